#include "context.h"

#include "master/workspace.h"

#include <QDateTime>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace pk::cli {

namespace {

std::atomic<bool> s_stop { false };

void onSignal(int)
{
    s_stop.store(true);
}

} // namespace

Context::Context(QString workspaceDir)
    : m_out(stdout)
    , m_err(stderr)
    , m_workspaceDir(std::move(workspaceDir))
    , m_stderrTty(::isatty(STDERR_FILENO) == 1)
{ }

Result<ConfigDb*> Context::db()
{
    if (!m_db) {
        auto opened = Workspace::open(m_workspaceDir);
        if (!opened)
            return opened.error();
        m_db = std::move(*opened);
    }
    return m_db.get();
}

int Context::fail(const Error& error)
{
    endProgress();
    m_out.flush();
    QString message = error.message;
    message.replace(u'\n', u' ');
    m_err << "poolkeeper-cli: " << message << Qt::endl;
    // Stopped by SIGINT or SIGTERM: the command ended early on purpose, whatever it reports.
    if (s_stop.load())
        return interruptedExitCode;
    return static_cast<int>(error.code);
}

void Context::warn(const QString& message)
{
    endProgress();
    m_err << "poolkeeper-cli: warning: " << message << Qt::endl;
}

void Context::printJson(const QJsonDocument& document)
{
    m_out << document.toJson(QJsonDocument::Indented);
    m_out.flush();
}

void Context::progress(const QString& line)
{
    if (!m_stderrTty)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_lastProgressMs < 100)
        return;
    m_lastProgressMs = now;
    m_err << "\r\033[2K" << line;
    m_err.flush();
    m_progressShown = true;
}

void Context::endProgress()
{
    if (!m_progressShown)
        return;
    m_err << "\r\033[2K";
    m_err.flush();
    m_progressShown = false;
}

const std::atomic<bool>* Context::stopFlag()
{
    return &s_stop;
}

void Context::installSignalHandlers()
{
    struct sigaction action
    { };
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

} // namespace pk::cli
