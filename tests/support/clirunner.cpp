#include "clirunner.h"

#include <QProcess>

#include <unistd.h>

namespace pk::test {

QString CliResult::describe() const
{
    return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
        .arg(exitCode)
        .arg(QString::fromUtf8(out), QString::fromUtf8(err));
}

QString CliRunner::binary()
{
    return QStringLiteral(POOLKEEPER_CLI_PATH);
}

QStringList CliRunner::withoutPrivileges()
{
    if (::geteuid() != 0)
        return {};
    return { QStringLiteral("setpriv"), QStringLiteral("--inh-caps=-all"), QStringLiteral("--bounding-set=-all") };
}

bool CliRunner::runSteps(const QList<QStringList>& steps) const
{
    for (const QStringList& step : steps) {
        const CliResult result = run(step);
        if (result.exitCode != 0) {
            qWarning("set-up step failed: %s: %s", qPrintable(step.join(u' ')), qPrintable(result.describe()));
            return false;
        }
    }
    return true;
}

CliResult CliRunner::run(const QStringList& args, int timeoutMs, const QStringList& wrapper) const
{
    return runRaw(QStringList { QStringLiteral("--workspace"), m_workspace } + args,
        QProcessEnvironment::systemEnvironment(), timeoutMs, wrapper);
}

CliResult CliRunner::runRaw(
    const QStringList& args, const QProcessEnvironment& env, int timeoutMs, const QStringList& wrapper)
{
    QProcess process;
    process.setProcessEnvironment(env);
    if (wrapper.isEmpty())
        process.start(binary(), args);
    else
        process.start(wrapper.first(), wrapper.mid(1) + QStringList { binary() } + args);
    CliResult result;
    if (!process.waitForStarted(30000)) {
        result.err = "could not start poolkeeper-cli";
        return result;
    }
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.err = "poolkeeper-cli timed out";
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace pk::test
