#include "migrationjob.h"

#include "configdb/alertrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "master/master.h"
#include "storage/consistencychecker.h"
#include "usercopier.h"
#include "util/sizes.h"

#include <QElapsedTimer>
#include <QSet>

#include <memory>
#include <unistd.h>

namespace pk {

struct MigrationJob::Context
{
    StorageRecord source;
    StorageRecord destination;
    UserRecord user;
    std::optional<UserStore> sourceStore;
    std::optional<UserStore> destinationStore;
    std::unique_ptr<MigrationLog> sourceLog;
    std::unique_ptr<MigrationLog> destinationLog;
    std::optional<FileLock> freeze;
    QElapsedTimer elapsed;
    QElapsedTimer sinceProgress;
    QElapsedTimer sinceCancelPoll;
    qint64 copiedThisRun = 0;
    qint64 bytesAtStart = 0; // already on the destination when this run began
};

QString describe(JobOutcome outcome)
{
    switch (outcome) {
    case JobOutcome::Done:
        return QStringLiteral("done");
    case JobOutcome::Failed:
        return QStringLiteral("failed");
    case JobOutcome::Cancelled:
        return QStringLiteral("cancelled");
    case JobOutcome::Stopped:
        return QStringLiteral("stopped");
    }
    return {};
}

MigrationJob::MigrationJob(Master& master, JobRecord job, MigrationOptions options)
    : m_master(master)
    , m_job(std::move(job))
    , m_options(std::move(options))
{ }

MigrationJob::~MigrationJob() = default;

void MigrationJob::log(
    Context& context, LogLevel level, const QString& event, const QString& message, const QList<LogField>& extra)
{
    LogRecord record = LogRecord::now(level);
    record.set(QString(logkey::job), m_job.id);
    record.set(QString(logkey::user), m_job.userName);
    record.set(QString(logkey::src), m_job.fromName);
    record.set(QString(logkey::dst), m_job.toName);
    record.set(QString(logkey::phase), toString(m_job.phase));
    record.set(QString(logkey::event), event);
    for (const LogField& field : extra)
        record.set(field.key, field.value);
    if (!message.isEmpty())
        record.set(QString(logkey::msg), message);
    // The log must never stop a migration: a full or unwritable log loses a line, not a user.
    if (context.sourceLog)
        (void)context.sourceLog->append(record);
    if (context.destinationLog)
        (void)context.destinationLog->append(record);
}

void MigrationJob::reportProgress(Context& context, bool force)
{
    if (!force && context.sinceProgress.isValid() && context.sinceProgress.elapsed() < 250)
        return;
    context.sinceProgress.start();
    m_job.bytesDone = context.bytesAtStart + context.copiedThisRun;
    m_job.bytesTotal = qMax(m_job.bytesTotal, m_job.bytesDone);
    (void)JobRepo(m_master.db()).setProgress(m_job.id, m_job.bytesDone, m_job.bytesTotal);
    if (m_options.progress) {
        JobProgress progress;
        progress.jobId = m_job.id;
        progress.poolId = m_job.poolId;
        progress.phase = m_job.phase;
        progress.bytesDone = m_job.bytesDone;
        progress.bytesTotal = m_job.bytesTotal;
        const qint64 ms = context.elapsed.elapsed();
        progress.bytesPerSecond
            = ms > 0 ? static_cast<double>(context.copiedThisRun) * 1000.0 / static_cast<double>(ms) : 0.0;
        m_options.progress(progress);
    }
}

bool MigrationJob::interrupted(Context& context)
{
    if (m_options.stop && m_options.stop->load())
        m_interrupt = true;
    if (!m_cancelRequested
        && (!context.sinceCancelPoll.isValid()
            || context.sinceCancelPoll.elapsed() >= m_options.cancelPollInterval.count())) {
        context.sinceCancelPoll.start();
        auto cancel = JobRepo(m_master.db()).isCancelRequested(m_job.id);
        if (cancel && *cancel) {
            m_cancelRequested = true;
            m_interrupt = true;
        }
    }
    return m_interrupt.load();
}

Status MigrationJob::enterPhase(Context& context, JobPhase phase, const QString& message)
{
    if (auto status = JobRepo(m_master.db()).setPhase(m_job.id, phase); !status)
        return status;
    m_job.phase = phase;
    log(context, LogLevel::Info, QStringLiteral("phase"),
        message.isEmpty() ? QStringLiteral("entering %1").arg(toString(phase)) : message,
        { { QString(logkey::bytes), QString::number(context.bytesAtStart + context.copiedThisRun) },
            { QString(logkey::total), QString::number(m_job.bytesTotal) } });
    if (m_options.progress)
        reportProgress(context, true);
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, phase);
    return {};
}

Status MigrationJob::accountDestination(qint64 delta)
{
    if (delta == 0)
        return {};
    ConfigDb& db = m_master.db();
    return db.transaction([&]() -> Status {
        auto accepted = StorageRepo(db).addUsedBytes(m_job.toStorageId, delta);
        if (!accepted)
            return accepted.error();
        if (!*accepted)
            return failed(
                QStringLiteral("destination '%1' is full: its quota has no room left for the copy").arg(m_job.toName));
        if (auto status = JobRepo(db).addDestAccounted(m_job.id, delta); !status)
            return status;
        m_job.destAccountedBytes += delta;
        return {};
    });
}

Status MigrationJob::copySnapshots(Context& context, const QStringList& ids)
{
    UserCopier copier(*context.sourceStore, *context.destinationStore, m_job.userName);
    copier.setRateLimiter(m_options.limiter);
    copier.setStopFlag(&m_interrupt);
    const qint64 before = context.copiedThisRun;
    copier.setAccountant([this](qint64 delta) { return accountDestination(delta); });
    copier.setProgressHandler([&](qint64 copied) {
        context.copiedThisRun = before + copied;
        interrupted(context);
        reportProgress(context, false);
    });
    auto stats = copier.copy(ids);
    if (!stats)
        return stats.error();
    context.copiedThisRun = before + stats->bytesCopied;
    reportProgress(context, true);
    return {};
}

Status MigrationJob::switchUser(Context& context)
{
    ConfigDb& db = m_master.db();
    auto usage = context.destinationStore->diskUsage();
    if (!usage)
        return usage.error();
    // The one transaction that moves the user: where it lives, its size and the job's phase.
    return db.transaction([&]() -> Status {
        UserRepo users(db);
        auto user = users.byId(m_job.userId);
        if (!user)
            return user.error();
        if (user->storageId != m_job.fromStorageId)
            return failed(QStringLiteral("ConfigDb no longer places the user on '%1'").arg(m_job.fromName));
        if (auto status = users.setStorage(m_job.userId, m_job.toStorageId); !status)
            return status;
        if (auto status = users.setBytes(m_job.userId, *usage); !status)
            return status;
        return JobRepo(db).setPhase(m_job.id, JobPhase::Unfreeze);
    });
}

JobOutcome MigrationJob::run()
{
    Context context;
    context.elapsed.start();
    ConfigDb& db = m_master.db();
    auto fresh = JobRepo(db).byId(m_job.id);
    if (!fresh) {
        m_error = fresh.message();
        return JobOutcome::Failed;
    }
    m_job = *fresh;
    auto source = StorageRepo(db).byId(m_job.fromStorageId);
    auto destination = StorageRepo(db).byId(m_job.toStorageId);
    auto user = UserRepo(db).byId(m_job.userId);
    if (!source || !destination || !user) {
        m_error = !source ? source.message() : (!destination ? destination.message() : user.message());
        (void)JobRepo(db).finish(m_job.id, JobState::Failed, m_job.phase, m_error);
        return JobOutcome::Failed;
    }
    context.source = *source;
    context.destination = *destination;
    context.user = *user;
    auto sourceRoot = m_master.openStorage(context.source);
    auto destinationRoot = m_master.openStorage(context.destination);
    if (sourceRoot)
        context.sourceLog = std::make_unique<MigrationLog>(sourceRoot->path(), m_options.logOptions);
    if (destinationRoot)
        context.destinationLog = std::make_unique<MigrationLog>(destinationRoot->path(), m_options.logOptions);
    if (!sourceRoot || !destinationRoot) {
        const QString reason = !sourceRoot ? sourceRoot.message() : destinationRoot.message();
        if (m_job.phase >= JobPhase::Unfreeze && m_job.phase <= JobPhase::Done) {
            // The user already lives on the destination; compaction waits for the source to return.
            m_error = reason;
            (void)JobRepo(db).requeue(m_job.id);
            return JobOutcome::Stopped;
        }
        if (!destinationRoot) {
            // Without the destination nothing can be cleaned there yet: fail, the user stays.
            m_error = QStringLiteral("the destination cannot be reached: %1").arg(reason);
            log(context, LogLevel::Error, QStringLiteral("failure"), m_error);
            (void)JobRepo(db).finish(m_job.id, JobState::Failed, m_job.phase, m_error);
            (void)AlertRepo(db).raise(m_job.toStorageId, m_job.toName, alertKind::migrationFailed,
                QStringLiteral("migration of user '%1' to '%2' failed: %3").arg(m_job.userName, m_job.toName, m_error),
                m_job.id);
            return JobOutcome::Failed;
        }
    }
    if (sourceRoot)
        context.sourceStore.emplace(*sourceRoot, context.user.uuid);
    if (destinationRoot)
        context.destinationStore.emplace(*destinationRoot, context.user.uuid);
    if (auto status = JobRepo(db).markRunning(m_job.id, ::getpid()); !status) {
        m_error = status.message();
        return JobOutcome::Failed;
    }
    m_job.state = JobState::Running;
    if (!sourceRoot)
        return rollBack(
            context, JobState::Failed, QStringLiteral("the source cannot be reached: %1").arg(sourceRoot.message()));
    return runPhases(context);
}

JobOutcome MigrationJob::runPhases(Context& context)
{
    ConfigDb& db = m_master.db();
    // Resume points: after the switch only compaction is left; a rollback continues; anything
    // before the switch starts copying again (idempotent).
    if (m_job.phase == JobPhase::Done) {
        (void)JobRepo(db).finish(m_job.id, JobState::Done, JobPhase::Done, QString());
        return JobOutcome::Done;
    }
    if (m_job.phase == JobPhase::RollingBack)
        return rollBack(context, m_cancelRequested || m_job.cancelRequested ? JobState::Cancelled : JobState::Failed,
            m_job.error.isEmpty() ? QStringLiteral("interrupted while rolling back") : m_job.error);
    if (m_job.phase == JobPhase::Unfreeze || m_job.phase == JobPhase::Compacting) {
        if (context.user.storageId == m_job.toStorageId)
            return compact(context);
        return rollBack(context, JobState::Failed,
            QStringLiteral("inconsistent job state: the switch is recorded but the user is not on '%1'")
                .arg(m_job.toName));
    }
    if (m_job.cancelRequested)
        return rollBack(context, JobState::Cancelled, QStringLiteral("cancelled by an operator"));
    if (context.user.storageId != m_job.fromStorageId) {
        m_error = QStringLiteral("the user no longer lives on '%1'").arg(m_job.fromName);
        (void)JobRepo(db).finish(m_job.id, JobState::Failed, m_job.phase, m_error);
        return JobOutcome::Failed;
    }

    const bool resumed = m_job.phase != JobPhase::Queued;
    log(context, LogLevel::Info, QStringLiteral("start"),
        resumed ? QStringLiteral("resuming the move of %1 after an interruption in %2")
                      .arg(formatBytes(context.user.bytes), toString(m_job.phase))
                : QStringLiteral("moving %1 in %2 snapshots")
                      .arg(formatBytes(context.user.bytes))
                      .arg(context.user.snapshotCount));
    m_job.bytesTotal = qMax(context.user.bytes, m_job.bytesTotal);

    // What a crash may have left on the destination is measured and accounted once.
    qint64 present = 0;
    if (context.destinationStore->exists()) {
        auto usage = context.destinationStore->diskUsage();
        if (!usage)
            return rollBack(context, JobState::Failed, usage.message());
        present = *usage;
    }
    if (auto status = accountDestination(present - m_job.destAccountedBytes); !status)
        return rollBack(context, JobState::Failed, status.message());
    context.bytesAtStart = present;

    auto fail = [&](const Status& status) {
        if (m_options.stop && m_options.stop->load())
            return stopped(context);
        if (m_cancelRequested)
            return rollBack(context, JobState::Cancelled, QStringLiteral("cancelled by an operator"));
        return rollBack(context, JobState::Failed, status.message());
    };

    if (auto status = enterPhase(context, JobPhase::Copying); !status)
        return fail(status);
    auto firstIds = context.sourceStore->snapshotIds();
    if (!firstIds)
        return fail(firstIds.error());
    if (auto status = copySnapshots(context, *firstIds); !status)
        return fail(status);
    if (interrupted(context))
        return fail(failed(QStringLiteral("interrupted")));

    // Backups went on meanwhile: copy what they added.
    if (auto status = enterPhase(context, JobPhase::CatchUp); !status)
        return fail(status);
    auto catchUpIds = context.sourceStore->snapshotIds();
    if (!catchUpIds)
        return fail(catchUpIds.error());
    QStringList added;
    for (const QString& id : std::as_const(*catchUpIds)) {
        if (!firstIds->contains(id))
            added.append(id);
    }
    if (auto status = copySnapshots(context, added); !status)
        return fail(status);

    if (auto status = enterPhase(context, JobPhase::Freeze); !status)
        return fail(status);
    auto freeze = FileLock::tryAcquire(context.sourceStore->lockPath(), FileLock::Mode::Exclusive);
    if (!freeze)
        return fail(freeze.error());
    if (!freeze->has_value()) {
        log(context, LogLevel::Info, QStringLiteral("wait"),
            QStringLiteral("waiting for a running backup or restore of the user to finish"));
        auto waited = FileLock::acquire(
            context.sourceStore->lockPath(), FileLock::Mode::Exclusive, std::chrono::milliseconds(-1), m_options.stop);
        if (!waited)
            return fail(waited.error());
        context.freeze = std::move(*waited);
    } else {
        context.freeze = std::move(**freeze);
    }

    if (auto status = enterPhase(context, JobPhase::FinalCatchUp); !status)
        return fail(status);
    auto finalIds = context.sourceStore->snapshotIds();
    if (!finalIds)
        return fail(finalIds.error());
    added.clear();
    for (const QString& id : std::as_const(*finalIds)) {
        if (!catchUpIds->contains(id))
            added.append(id);
    }
    if (auto status = copySnapshots(context, added); !status)
        return fail(status);
    UserCopier pruner(*context.sourceStore, *context.destinationStore, m_job.userName);
    if (auto status = pruner.removeExtraSnapshots(*finalIds); !status)
        return fail(status);
    if (interrupted(context))
        return fail(failed(QStringLiteral("interrupted")));

    if (auto status = enterPhase(
            context, JobPhase::Verifying, QStringLiteral("checking every chunk of the copy on %1").arg(m_job.toName));
        !status)
        return fail(status);
    ConsistencyChecker checker(*context.destinationStore);
    checker.setDeep(true);
    checker.setStopFlag(m_options.stop);
    auto report = checker.run();
    if (!report)
        return fail(report.error());
    auto copiedIds = context.destinationStore->snapshotIds();
    if (!report->consistent() || !copiedIds || *copiedIds != *finalIds) {
        QString why = !report->consistent() ? report->problems.constFirst()
                                            : QStringLiteral("the copy does not hold the same snapshots as the source");
        if (report->problems.size() > 1)
            why += QStringLiteral(" (and %1 more problems)").arg(report->problems.size() - 1);
        return fail(failed(QStringLiteral("the copy on '%1' failed the consistency check: %2").arg(m_job.toName, why)));
    }
    if (interrupted(context))
        return fail(failed(QStringLiteral("interrupted")));

    if (auto status
        = enterPhase(context, JobPhase::Switching, QStringLiteral("pointing ConfigDb at %1").arg(m_job.toName));
        !status)
        return fail(status);
    if (auto status = switchUser(context); !status)
        return fail(status);
    m_job.phase = JobPhase::Unfreeze;
    context.freeze.reset();
    log(context, LogLevel::Info, QStringLiteral("phase"),
        QStringLiteral("ConfigDb now places the user on %1; backups go there from now on").arg(m_job.toName));
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, JobPhase::Unfreeze);
    return compact(context);
}

JobOutcome MigrationJob::compact(Context& context)
{
    ConfigDb& db = m_master.db();
    context.freeze.reset();
    if (m_job.phase == JobPhase::Unfreeze) {
        // The source's bytes leave its count in the same transaction that records compaction.
        qint64 sourceBytes = 0;
        if (context.sourceStore && context.sourceStore->exists()) {
            auto usage = context.sourceStore->diskUsage();
            if (usage)
                sourceBytes = *usage;
        }
        const Status recorded = db.transaction([&]() -> Status {
            if (auto added = StorageRepo(db).addUsedBytes(m_job.fromStorageId, -sourceBytes); !added)
                return added.error();
            return JobRepo(db).setPhase(m_job.id, JobPhase::Compacting);
        });
        if (!recorded) {
            m_error = recorded.message();
            (void)JobRepo(db).requeue(m_job.id);
            return JobOutcome::Stopped;
        }
        m_job.phase = JobPhase::Compacting;
        log(context, LogLevel::Info, QStringLiteral("phase"),
            QStringLiteral("removing the user's data from %1").arg(m_job.fromName));
        if (m_options.phaseHook)
            m_options.phaseHook(m_job, JobPhase::Compacting);
    }
    if (context.sourceStore && context.sourceStore->exists()) {
        // Restores that started before the switch still read the source: wait for them.
        auto lock = FileLock::acquire(
            context.sourceStore->lockPath(), FileLock::Mode::Exclusive, std::chrono::milliseconds(-1), m_options.stop);
        if (!lock)
            return stopped(context);
        if (auto status = context.sourceStore->moveToTrash(); !status) {
            // The user is safe on the destination; only the space on the source is not free yet.
            m_error = QStringLiteral("the user now lives on '%1', but compacting '%2' failed: %3")
                          .arg(m_job.toName, m_job.fromName, status.message());
            log(context, LogLevel::Error, QStringLiteral("failure"), m_error);
            (void)AlertRepo(db).raise(
                m_job.fromStorageId, m_job.fromName, alertKind::migrationFailed, m_error, m_job.id);
            (void)JobRepo(db).finish(m_job.id, JobState::Done, JobPhase::Done, m_error);
            return JobOutcome::Done;
        }
    }
    (void)JobRepo(db).finish(m_job.id, JobState::Done, JobPhase::Done, QString());
    m_job.phase = JobPhase::Done;
    m_job.state = JobState::Done;
    const qint64 ms = qMax<qint64>(1, context.elapsed.elapsed());
    const qint64 moved = context.copiedThisRun;
    log(context, LogLevel::Info, QStringLiteral("summary"),
        QStringLiteral("moved user %1 from %2 to %3: %4 in %5 s (%6/s)")
            .arg(m_job.userName, m_job.fromName, m_job.toName, formatBytes(m_job.bytesTotal))
            .arg(static_cast<double>(ms) / 1000.0, 0, 'f', 1)
            .arg(formatBytes(moved * 1000 / ms)),
        { { QString(logkey::durationMs), QString::number(ms) }, { QString(logkey::bytes), QString::number(moved) },
            { QString(logkey::total), QString::number(m_job.bytesTotal) },
            { QString(logkey::rate), QString::number(moved * 1000 / ms) } });
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, JobPhase::Done);
    reportProgress(context, true);
    return JobOutcome::Done;
}

JobOutcome MigrationJob::stopped(Context& context)
{
    context.freeze.reset();
    log(context, LogLevel::Info, QStringLiteral("stopped"),
        QStringLiteral("the engine stopped; the job resumes at the next start"));
    (void)JobRepo(m_master.db()).requeue(m_job.id);
    m_error = QStringLiteral("stopped");
    return JobOutcome::Stopped;
}

JobOutcome MigrationJob::rollBack(Context& context, JobState state, const QString& reason)
{
    ConfigDb& db = m_master.db();
    const JobPhase failedIn = m_job.phase; // RollingBack when an interrupted rollback resumes
    m_error = reason;
    context.freeze.reset();
    (void)db.exec(QStringLiteral("UPDATE jobs SET error = ? WHERE id = ?"), { reason, m_job.id });
    if (auto status = JobRepo(db).setPhase(m_job.id, JobPhase::RollingBack); status)
        m_job.phase = JobPhase::RollingBack;
    log(context, state == JobState::Cancelled ? LogLevel::Warn : LogLevel::Error, QStringLiteral("failure"),
        QStringLiteral("%1; removing the copy from %2, the user stays on %3")
            .arg(reason, m_job.toName, m_job.fromName));
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, JobPhase::RollingBack);
    // Compaction on the destination: the invalid or abandoned copy goes.
    if (context.destinationStore && context.destinationStore->exists()) {
        if (auto status = context.destinationStore->moveToTrash(); !status) {
            m_error = reason + QStringLiteral("; removing the copy failed too: ") + status.message();
            (void)JobRepo(db).requeue(m_job.id);
            return JobOutcome::Stopped;
        }
    }
    const Status finished = db.transaction([&]() -> Status {
        if (auto added = StorageRepo(db).addUsedBytes(m_job.toStorageId, -m_job.destAccountedBytes); !added)
            return added.error();
        if (auto status = JobRepo(db).addDestAccounted(m_job.id, -m_job.destAccountedBytes); !status)
            return status;
        return JobRepo(db).finish(m_job.id, state, failedIn, reason);
    });
    m_job.destAccountedBytes = 0;
    m_job.state = state;
    if (!finished) {
        m_error = finished.message();
        return JobOutcome::Failed;
    }
    if (state == JobState::Failed) {
        const bool destinationSide = failedIn == JobPhase::Copying || failedIn == JobPhase::CatchUp
            || failedIn == JobPhase::FinalCatchUp || failedIn == JobPhase::Verifying;
        (void)AlertRepo(db).raise(destinationSide ? m_job.toStorageId : m_job.fromStorageId,
            destinationSide ? m_job.toName : m_job.fromName, alertKind::migrationFailed,
            QStringLiteral("moving user '%1' from '%2' to '%3' failed: %4")
                .arg(m_job.userName, m_job.fromName, m_job.toName, reason),
            m_job.id);
    }
    log(context, LogLevel::Info, QStringLiteral("summary"),
        QStringLiteral("%1: user %2 stays on %3")
            .arg(state == JobState::Cancelled ? QStringLiteral("cancelled") : QStringLiteral("failed"), m_job.userName,
                m_job.fromName),
        { { QString(logkey::durationMs), QString::number(context.elapsed.elapsed()) } });
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, JobPhase::Done);
    return state == JobState::Cancelled ? JobOutcome::Cancelled : JobOutcome::Failed;
}

} // namespace pk
