#include "enginerunner.h"

#include "configdb/jobrepo.h"
#include "context.h"
#include "engine/engine.h"
#include "engine/enginelock.h"
#include "util/sizes.h"

#include <QCoreApplication>
#include <QProcess>
#include <QSet>
#include <QTimer>

#include <csignal>

namespace pk::cli {

std::function<void(const JobRecord&, JobPhase)> testPhaseHook()
{
    const QString phase = qEnvironmentVariable("POOLKEEPER_TEST_KILL_AT");
    if (phase.isEmpty())
        return {};
    return [phase](const JobRecord&, JobPhase reached) {
        if (toString(reached) == phase)
            ::raise(SIGKILL);
    };
}

int runEngine(Context& context, const EngineRun& run)
{
    if (const EngineHolder holder = EngineLock::holder(context.workspaceDir()); !holder.isNone())
        return context.fail(failed(QStringLiteral(
            "another Poolkeeper engine (%1) is running jobs for this ConfigDb: it runs the approved jobs; "
            "follow them with 'poolkeeper-cli jobs'")
                                       .arg(holder.describe())));
    Engine::Settings settings;
    settings.workspaceDir = context.workspaceDir();
    settings.maxRateOverride = run.maxRate;
    settings.phaseHook = testPhaseHook();
    Engine engine(settings);
    int exitCode = 0;
    bool done = false;
    QSet<qint64> waiting(run.jobIds.cbegin(), run.jobIds.cend());
    QHash<qint64, JobPhase> lastPhase;
    // Deferred: finish is called from the engine's own signals.
    auto finish = [&](int code) {
        if (done)
            return;
        done = true;
        exitCode = code;
        QMetaObject::invokeMethod(
            &engine,
            [&engine, code] {
                engine.stop();
                QCoreApplication::exit(code);
            },
            Qt::QueuedConnection);
    };

    QObject::connect(
        &engine, &Engine::startFailed, [&](const QString& message) { finish(context.fail(failed(message))); });
    QObject::connect(&engine, &Engine::started, [&](const EngineInfo& info) {
        if (!info.runsJobs)
            finish(context.fail(
                failed(QStringLiteral("another Poolkeeper engine (%1) is running jobs for this ConfigDb")
                           .arg(info.holder.isNone() ? QStringLiteral("unknown process") : info.holder.describe()))));
    });
    QObject::connect(&engine, &Engine::jobProgress, [&](const JobProgress& progress) {
        if (run.quiet)
            return;
        const int percent
            = progress.bytesTotal > 0 ? static_cast<int>(100 * progress.bytesDone / progress.bytesTotal) : 0;
        const QString line = QStringLiteral("job %1: %2 %3 % (%4 of %5, %6/s)")
                                 .arg(progress.jobId)
                                 .arg(toString(progress.phase))
                                 .arg(percent)
                                 .arg(formatBytes(progress.bytesDone), formatBytes(progress.bytesTotal),
                                     formatBytes(static_cast<qint64>(progress.bytesPerSecond)));
        if (context.stderrIsTerminal()) {
            context.progress(line);
        } else if (lastPhase.value(progress.jobId, JobPhase::Queued) != progress.phase
            || !lastPhase.contains(progress.jobId)) {
            context.err() << "poolkeeper-cli: " << line << Qt::endl;
        }
        lastPhase.insert(progress.jobId, progress.phase);
    });
    QObject::connect(&engine, &Engine::jobFinished, [&](const JobRecord& job) {
        if (!run.quiet) {
            context.endProgress();
            context.err() << "poolkeeper-cli: job " << job.id << " (user '" << job.userName << "', " << job.fromName
                          << " -> " << job.toName << "): " << toString(job.state)
                          << (job.error.isEmpty() ? QString() : QStringLiteral(": ") + job.error) << Qt::endl;
        }
        if (job.state != JobState::Done)
            exitCode = 1;
        waiting.remove(job.id);
        if (!run.jobIds.isEmpty() && waiting.isEmpty())
            finish(exitCode);
    });
    QObject::connect(&engine, &Engine::jobDeferred, [&](const JobRecord& job) {
        if (!waiting.contains(job.id))
            return;
        // The user has moved; its old copy could not be removed yet. The next engine run (or the
        // console's engine) tries again; this run ends for it.
        if (!run.quiet) {
            context.endProgress();
            context.err() << "poolkeeper-cli: job " << job.id << " (user '" << job.userName << "', " << job.fromName
                          << " -> " << job.toName << "): " << job.error << Qt::endl;
        }
        exitCode = 1;
        waiting.remove(job.id);
        if (waiting.isEmpty())
            finish(exitCode);
    });
    QObject::connect(&engine, &Engine::idle, [&] {
        // Jobs may have been cancelled or finished by someone else before we saw them.
        if (run.jobIds.isEmpty() || waiting.isEmpty()) {
            finish(exitCode);
            return;
        }
        auto db = context.db();
        if (db) {
            const QSet<qint64> stillWaiting = waiting; // the loop removes from waiting
            for (qint64 id : stillWaiting) {
                auto job = JobRepo(**db).byId(id);
                if (!job || !isActive(job->state)) {
                    if (job && job->state != JobState::Done)
                        exitCode = 1;
                    waiting.remove(id);
                }
            }
        }
        if (waiting.isEmpty())
            finish(exitCode);
    });
    QTimer interrupt;
    QObject::connect(&interrupt, &QTimer::timeout, [&] {
        if (Context::stopFlag()->load()) {
            context.endProgress();
            context.err() << "poolkeeper-cli: stopping; unfinished jobs resume at the next run" << Qt::endl;
            finish(Context::interruptedExitCode);
        }
    });
    interrupt.start(100);
    QTimer::singleShot(0, &engine, &Engine::start);
    QCoreApplication::exec();
    context.endProgress();
    return exitCode;
}

int runEngineService(Context& context, qint64 maxRate)
{
    Engine::Settings settings;
    settings.workspaceDir = context.workspaceDir();
    settings.maxRateOverride = maxRate;
    settings.phaseHook = testPhaseHook();
    Engine engine(settings);
    int exitCode = 0;
    const auto say
        = [&context](const QString& line) { context.err() << "poolkeeper-cli: engine: " << line << Qt::endl; };
    const auto sayRole = [&](const EngineInfo& info) {
        if (info.runsJobs)
            say(QStringLiteral("active: running the jobs of %1 as process %2 on %3")
                    .arg(info.configDb)
                    .arg(QCoreApplication::applicationPid())
                    .arg(EngineLock::localHost()));
        else
            say(QStringLiteral("standby: %1 runs the jobs; taking over when it stops")
                    .arg(info.holder.isNone() ? QStringLiteral("another engine")
                                              : QStringLiteral("the engine of ") + info.holder.describe()));
    };
    QObject::connect(&engine, &Engine::startFailed, [&](const QString& message) {
        exitCode = context.fail(failed(message));
        QCoreApplication::exit(exitCode);
    });
    QObject::connect(&engine, &Engine::started, sayRole);
    QObject::connect(&engine, &Engine::roleChanged, sayRole);
    QHash<qint64, JobPhase> lastPhase;
    QObject::connect(&engine, &Engine::jobProgress, [&](const JobProgress& progress) {
        if (lastPhase.contains(progress.jobId) && lastPhase.value(progress.jobId) == progress.phase)
            return;
        lastPhase.insert(progress.jobId, progress.phase);
        say(QStringLiteral("job %1: %2").arg(progress.jobId).arg(toString(progress.phase)));
    });
    QObject::connect(&engine, &Engine::jobFinished, [&](const JobRecord& job) {
        lastPhase.remove(job.id);
        say(QStringLiteral("job %1 (user '%2', %3 -> %4): %5%6")
                .arg(job.id)
                .arg(job.userName, job.fromName, job.toName, toString(job.state),
                    job.error.isEmpty() ? QString() : QStringLiteral(": ") + job.error));
    });
    QObject::connect(&engine, &Engine::jobDeferred, [&](const JobRecord& job) {
        say(QStringLiteral("job %1 (user '%2'): %3; tried again later").arg(job.id).arg(job.userName, job.error));
    });
    QTimer interrupt;
    QObject::connect(&interrupt, &QTimer::timeout, &engine, [&] {
        if (!Context::stopFlag()->load())
            return;
        interrupt.stop();
        say(QStringLiteral("stopping; running jobs stop at a safe point and resume at the next start"));
        engine.stop();
        QCoreApplication::exit(0);
    });
    interrupt.start(100);
    QTimer::singleShot(0, &engine, &Engine::start);
    QCoreApplication::exec();
    return exitCode;
}

int startDetachedEngine(Context& context, qint64 maxRate)
{
    if (const EngineHolder holder = EngineLock::holder(context.workspaceDir()); !holder.isNone()) {
        context.out() << "the engine of " << holder.describe()
                      << " runs the jobs; follow them with 'poolkeeper-cli jobs'\n";
        return 0;
    }
    QStringList args { QStringLiteral("--workspace"), context.workspaceDir(), QStringLiteral("engine"),
        QStringLiteral("run") };
    if (maxRate > 0)
        args << QStringLiteral("--max-rate") << QString::number(maxRate);
    qint64 pid = 0;
    if (!QProcess::startDetached(QCoreApplication::applicationFilePath(), args, QString(), &pid))
        return context.fail(failed(QStringLiteral("cannot start the engine process: run with --wait instead")));
    context.out() << "engine started as process " << pid << "; follow the jobs with 'poolkeeper-cli jobs'\n";
    return 0;
}

} // namespace pk::cli
