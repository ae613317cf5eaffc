#include "migrationjob.h"

#include "configdb/alertrepo.h"
#include "configdb/claimrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "storage/consistencychecker.h"
#include "storage/storageroot.h"
#include "storage/userstore.h"
#include "usercopier.h"
#include "util/failpoint.h"
#include "util/logging.h"
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

namespace {

// A copy may be removed only when every snapshot it holds is also where ConfigDb places the user:
// removing the copy must never remove the last place a snapshot lives (a ConfigDb that lost the
// switch would otherwise make a rollback delete the only copy). Empty when removing is safe.
QString whyCopyMustStay(const UserStore& copy, const std::optional<UserStore>& home, const QString& homeName)
{
    if (!copy.exists())
        return {};
    auto copied = copy.snapshotIds();
    if (!copied || copied->isEmpty())
        return {};
    if (!home)
        return QStringLiteral("'%1', where ConfigDb places the user, cannot be read to check it").arg(homeName);
    auto kept = home->exists() ? home->snapshotIds() : Result<QStringList>(QStringList());
    if (!kept)
        return QStringLiteral("'%1' cannot be read to check it (%2)").arg(homeName, kept.message());
    QStringList missing;
    for (const QString& id : std::as_const(*copied)) {
        if (!kept->contains(id))
            missing.append(id);
    }
    if (missing.isEmpty())
        return {};
    return QStringLiteral("it holds %1 snapshots that '%2' does not have (%3)")
        .arg(missing.size())
        .arg(homeName, missing.mid(0, 3).join(QStringLiteral(", ")));
}

} // namespace

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
    case JobOutcome::Deferred:
        return QStringLiteral("deferred");
    }
    return {};
}

MigrationJob::MigrationJob(ConfigDb& db, JobRecord job, MigrationOptions options)
    : m_db(db)
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
    for (MigrationLog* log : { context.sourceLog.get(), context.destinationLog.get() }) {
        if (!log)
            continue;
        if (auto status = log->append(record); !status)
            qCWarning(lcMigration) << "job" << m_job.id
                                   << ": a line of the migration log was lost:" << status.message();
    }
}

void MigrationJob::reportProgress(Context& context, bool force)
{
    if (!force && context.sinceProgress.isValid() && context.sinceProgress.elapsed() < 250)
        return;
    context.sinceProgress.start();
    m_job.bytesDone = context.bytesAtStart + context.copiedThisRun;
    m_job.bytesTotal = qMax(m_job.bytesTotal, m_job.bytesDone);
    // Progress is informative: a busy ConfigDb skips one update, the next one catches up.
    if (auto status = jobRepo(m_db).setProgress(m_job.id, m_job.bytesDone, m_job.bytesTotal); !status)
        qCDebug(lcMigration) << "job" << m_job.id << ": progress not saved:" << status.message();
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
        auto cancel = jobRepo(m_db).isCancelRequested(m_job.id);
        if (cancel && *cancel) {
            m_cancelRequested = true;
            m_interrupt = true;
        }
    }
    return m_interrupt.load();
}

Status MigrationJob::enterPhase(Context& context, JobPhase phase, const QString& message)
{
    if (auto status = jobRepo(m_db).setPhase(m_job.id, phase); !status)
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
    ConfigDb& db = m_db;
    return db.transaction([&]() -> Status {
        auto accepted = StorageRepo(db).addUsedBytes(m_job.toStorageId, delta);
        if (!accepted)
            return accepted.error();
        if (!*accepted)
            return failed(
                QStringLiteral("destination '%1' is full: its quota has no room left for the copy").arg(m_job.toName));
        if (auto status = jobRepo(db).addDestAccounted(m_job.id, delta); !status)
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
    ConfigDb& db = m_db;
    // The copy is frozen (no backup writes the user, the copy is complete): its size is final.
    auto usage = context.destinationStore->diskUsage();
    if (!usage)
        return usage.error();
    // A backup that was killed after writing its manifest left a snapshot ConfigDb does not know
    // of yet; the copy holds it (verified), so the switch records it.
    const QList<SnapshotRecord> copied = context.destinationStore->snapshotRecords();
    QStringList recoveredNotes;
    // The one transaction that moves the user: where it lives, its size, the job's phase and the
    // byte ledger of both storages. A cancel recorded before it wins.
    Status switched = db.transaction([&]() -> Status {
        JobRepo jobs = jobRepo(db);
        auto job = jobs.byId(m_job.id);
        if (!job)
            return job.error();
        if (job->cancelRequested) {
            m_cancelRequested = true;
            return failed(QStringLiteral("cancelled by an operator"));
        }
        UserRepo users(db);
        auto user = users.byId(m_job.userId);
        if (!user)
            return user.error();
        if (user->storageId != m_job.fromStorageId)
            return failed(QStringLiteral("ConfigDb no longer places the user on '%1'").arg(m_job.fromName));
        // The source's bytes stay counted on the job until compaction has removed them; claims
        // that killed backups left there go with them.
        ClaimRepo claims(db);
        auto sourceClaims = claims.forDirectory(m_job.fromStorageId, user->uuid);
        if (!sourceClaims)
            return sourceClaims.error();
        qint64 sourceBytes = user->bytes;
        for (const ClaimRecord& claim : std::as_const(*sourceClaims))
            sourceBytes += claim.kind == claimKind::backup ? claim.bytes : 0;
        for (const ClaimRecord& claim : std::as_const(*sourceClaims)) {
            if (claim.kind == claimKind::backup) {
                if (auto status = claims.close(claim.id); !status)
                    return status;
            }
        }
        // The copy's bytes become the user's; what the copier counted is corrected to the disk.
        if (auto status = StorageRepo(db).adjustUsedBytes(m_job.toStorageId, *usage - job->destAccountedBytes); !status)
            return status;
        if (auto status = users.setStorage(m_job.userId, m_job.toStorageId); !status)
            return status;
        if (auto status = users.setBytes(m_job.userId, *usage); !status)
            return status;
        auto recorded = users.syncSnapshots(*user, copied, false);
        if (!recorded)
            return recorded.error();
        recoveredNotes = *recorded;
        if (auto status = jobs.setCopyBooks(m_job.id, 0, sourceBytes, false); !status)
            return status;
        m_job.destAccountedBytes = 0;
        m_job.sourceBytes = sourceBytes;
        return jobs.setPhase(m_job.id, JobPhase::Unfreeze);
    });
    if (switched) {
        for (const QString& note : std::as_const(recoveredNotes))
            log(context, LogLevel::Info, QStringLiteral("recovered"), note);
    }
    return switched;
}

Status MigrationJob::waitForFreeze(Context& context)
{
    auto freeze = FileLock::tryAcquire(context.sourceStore->lockPath(), FileLock::Mode::Exclusive);
    if (!freeze)
        return freeze.error();
    if (freeze->has_value()) {
        context.freeze = std::move(**freeze);
        return {};
    }
    log(context, LogLevel::Info, QStringLiteral("wait"),
        QStringLiteral("waiting for a running backup or restore of the user to finish"));
    // A cancel or a stop is seen while waiting, not only after.
    auto waited = FileLock::acquire(context.sourceStore->lockPath(), FileLock::Mode::Exclusive,
        std::chrono::milliseconds(-1), std::function<bool()>([&] { return interrupted(context); }));
    if (!waited)
        return waited.error();
    context.freeze = std::move(*waited);
    return {};
}

JobOutcome MigrationJob::run()
{
    Context context;
    context.elapsed.start();
    ConfigDb& db = m_db;
    auto fresh = jobRepo(db).byId(m_job.id);
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
        recordEnd(JobState::Failed, m_job.phase);
        return JobOutcome::Failed;
    }
    context.source = *source;
    context.destination = *destination;
    context.user = *user;
    auto sourceRoot = StorageRoot::open(context.source);
    auto destinationRoot = StorageRoot::open(context.destination);
    if (sourceRoot)
        context.sourceLog = std::make_unique<MigrationLog>(sourceRoot->path(), m_options.logOptions);
    if (destinationRoot)
        context.destinationLog = std::make_unique<MigrationLog>(destinationRoot->path(), m_options.logOptions);
    if (sourceRoot)
        context.sourceStore.emplace(*sourceRoot, context.user.uuid);
    if (destinationRoot)
        context.destinationStore.emplace(*destinationRoot, context.user.uuid);
    if (auto status = jobRepo(db).markRunning(m_job.id, ::getpid()); !status) {
        m_error = status.message();
        return JobOutcome::Failed;
    }
    m_job.state = JobState::Running;
    if (m_job.isSwitched() && m_job.phase != JobPhase::Done) {
        // The user already lives on the destination: only compaction is left, which needs the
        // source alone.
        if (!sourceRoot)
            return deferCompaction(context, sourceRoot.message());
        return runPhases(context);
    }
    if (!destinationRoot)
        return rollBack(context, JobState::Failed,
            QStringLiteral("the destination cannot be reached: %1").arg(destinationRoot.message()));
    if (!sourceRoot)
        return rollBack(
            context, JobState::Failed, QStringLiteral("the source cannot be reached: %1").arg(sourceRoot.message()));
    return runPhases(context);
}

JobOutcome MigrationJob::runPhases(Context& context)
{
    ConfigDb& db = m_db;
    // Resume points: after the switch only compaction is left; a rollback continues; anything
    // before the switch starts copying again (idempotent).
    if (m_job.phase == JobPhase::Done) {
        recordEnd(JobState::Done, JobPhase::Done);
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
        recordEnd(JobState::Failed, m_job.phase);
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

    // A copy that an earlier failed move of this user to this storage left (its destination was
    // away) is in the same directory: this job takes it over, with its bytes.
    if (auto adopted = jobRepo(db).adoptLeftovers(m_job.id, m_job.userId, m_job.toStorageId); !adopted)
        return rollBack(context, JobState::Failed, adopted.message());
    else
        m_job.destAccountedBytes += *adopted;
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
    if (auto status = waitForFreeze(context); !status)
        return fail(status);
    if (interrupted(context))
        return fail(failed(QStringLiteral("interrupted")));

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
    // A cancel is seen while the copy is checked, not only after.
    checker.setStopFlag(&m_interrupt);
    checker.setProgressHandler([&](qint64, qint64) { interrupted(context); });
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
    failpoint("migration-switching");
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
    ConfigDb& db = m_db;
    context.freeze.reset();
    if (m_job.phase == JobPhase::Unfreeze) {
        // A job switched by an earlier version kept no source bytes: count them from the disk.
        if (m_job.sourceBytes == 0 && context.sourceStore && context.sourceStore->exists()) {
            if (auto usage = context.sourceStore->diskUsage())
                m_job.sourceBytes = *usage;
        }
        const Status recorded = db.transaction([&]() -> Status {
            if (auto status = jobRepo(db).setCopyBooks(m_job.id, 0, m_job.sourceBytes, false); !status)
                return status;
            return jobRepo(db).setPhase(m_job.id, JobPhase::Compacting);
        });
        if (!recorded)
            return deferCompaction(context, recorded.message());
        m_job.phase = JobPhase::Compacting;
        log(context, LogLevel::Info, QStringLiteral("phase"),
            QStringLiteral("removing the user's data from %1").arg(m_job.fromName));
        if (m_options.phaseHook)
            m_options.phaseHook(m_job, JobPhase::Compacting);
    }
    auto user = UserRepo(db).byId(m_job.userId);
    if (!user)
        return deferCompaction(context, user.message());
    if (user->storageId == m_job.fromStorageId)
        return deferCompaction(context,
            QStringLiteral("ConfigDb places the user on '%1' again: its data there is not removed")
                .arg(m_job.fromName));
    if (context.sourceStore && context.sourceStore->exists()) {
        // Restores that started before the switch still read the source: wait for them.
        auto lock = FileLock::acquire(
            context.sourceStore->lockPath(), FileLock::Mode::Exclusive, std::chrono::milliseconds(-1), m_options.stop);
        if (!lock)
            return stopped(context);
        failpoint("migration-compacting");
        // The source goes only while the job is this engine's (the new owner compacts it itself).
        auto owned = jobRepo(db).stillOwned(m_job.id);
        if (!owned)
            return deferCompaction(context, owned.message());
        if (!*owned)
            return standAside(
                context, QStringLiteral("another engine runs the job now (this one lost the engine lock)"));
        if (auto status = context.sourceStore->moveToTrash(); !status)
            return deferCompaction(context, status.message());
    }
    // The data is gone from the source (in its trash, freed right after): only now do its bytes
    // leave the source's count, in the transaction that ends the job.
    const Status finished = db.transaction([&]() -> Status {
        if (auto status = StorageRepo(db).adjustUsedBytes(m_job.fromStorageId, -m_job.sourceBytes); !status)
            return status;
        if (auto status = jobRepo(db).setCopyBooks(m_job.id, 0, 0, false); !status)
            return status;
        if (auto status = AlertRepo(db).clear(m_job.fromStorageId, alertKind::compactionPending); !status)
            return status;
        return jobRepo(db).finish(m_job.id, JobState::Done, JobPhase::Done, QString());
    });
    if (!finished)
        return deferCompaction(context, finished.message());
    m_job.sourceBytes = 0;
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

JobOutcome MigrationJob::deferCompaction(Context& context, const QString& reason)
{
    // The user is safe on the destination; the source copy and its bytes stay until compaction
    // succeeds. The job stays active (pending, phase compacting) and is tried again later.
    ConfigDb& db = m_db;
    m_error = QStringLiteral("compaction pending: user '%1' now lives on '%2', but its data on '%3' could not be "
                             "removed yet (%4); it is retried")
                  .arg(m_job.userName, m_job.toName, m_job.fromName, reason);
    log(context, LogLevel::Warn, QStringLiteral("compaction_pending"), m_error);
    if (auto status = jobRepo(db).setError(m_job.id, m_error); !status)
        qCWarning(lcMigration) << "job" << m_job.id << ":" << status.message();
    auto raised
        = AlertRepo(db).raise(m_job.fromStorageId, m_job.fromName, alertKind::compactionPending, m_error, m_job.id);
    if (!raised)
        qCWarning(lcMigration) << "job" << m_job.id << ": cannot raise the alert:" << raised.message();
    if (auto status = jobRepo(db).requeue(m_job.id); !status)
        qCWarning(lcMigration) << "job" << m_job.id << ":" << status.message();
    return JobOutcome::Deferred;
}

void MigrationJob::recordEnd(JobState state, JobPhase phase)
{
    // Nothing was changed on the storages at these ends; a job whose end could not be recorded
    // stays "running" and is settled at the next engine start like one whose engine was killed.
    if (auto finished = jobRepo(m_db).finish(m_job.id, state, phase, state == JobState::Done ? QString() : m_error);
        !finished)
        qCWarning(lcMigration) << "job" << m_job.id
                               << ": its end was not recorded, the next start settles it:" << finished.message();
}

JobOutcome MigrationJob::stopped(Context& context)
{
    context.freeze.reset();
    log(context, LogLevel::Info, QStringLiteral("stopped"),
        QStringLiteral("the engine stopped; the job resumes at the next start"));
    // Left "running", the job is requeued at the next engine start like one whose engine was killed.
    if (auto requeued = jobRepo(m_db).requeue(m_job.id); !requeued)
        qCWarning(lcMigration) << "job" << m_job.id << ": not requeued, the next start will:" << requeued.message();
    m_error = QStringLiteral("stopped");
    return JobOutcome::Stopped;
}

JobRepo MigrationJob::jobRepo(ConfigDb& db) const
{
    return JobRepo(db, m_options.ownerEpoch);
}

QString MigrationJob::whyRollBackMustWait()
{
    ConfigDb& db = m_db;
    auto owned = jobRepo(db).stillOwned(m_job.id);
    auto user = UserRepo(db).byId(m_job.userId);
    if (!owned || !user)
        return QStringLiteral("ConfigDb cannot tell whether the copy is still needed (%1); the job is checked again "
                              "when it resumes")
            .arg(!owned ? owned.message() : user.message());
    if (!*owned)
        return QStringLiteral("another engine runs the job now (this one lost the engine lock)");
    // A switch whose COMMIT went through while its reply was lost with the connection.
    if (user->storageId == m_job.toStorageId)
        return QStringLiteral("ConfigDb places the user on '%1' already: the move resumes from the switch")
            .arg(m_job.toName);
    return {};
}

JobOutcome MigrationJob::standAside(Context& context, const QString& why)
{
    context.freeze.reset();
    m_error = why;
    log(context, LogLevel::Warn, QStringLiteral("stopped"), QStringLiteral("nothing removed: %1").arg(why));
    return JobOutcome::Stopped;
}

JobOutcome MigrationJob::rollBack(Context& context, JobState state, const QString& reason)
{
    ConfigDb& db = m_db;
    // The copy goes only while the job is this engine's and the user does not live on it: an
    // engine that lost its lock, or a switch whose outcome was lost, must not remove what
    // ConfigDb now points at.
    if (const QString why = whyRollBackMustWait(); !why.isEmpty())
        return standAside(context, reason + QStringLiteral("; ") + why);
    JobRepo jobs = jobRepo(db);
    const JobPhase failedIn = m_job.phase; // RollingBack when an interrupted rollback resumes
    m_error = reason;
    context.freeze.reset();
    if (auto status = jobs.setError(m_job.id, reason); !status)
        qCWarning(lcMigration) << "job" << m_job.id << ":" << status.message();
    if (auto status = jobs.setPhase(m_job.id, JobPhase::RollingBack); status)
        m_job.phase = JobPhase::RollingBack;
    log(context, state == JobState::Cancelled ? LogLevel::Warn : LogLevel::Error, QStringLiteral("failure"),
        QStringLiteral("%1; removing the copy from %2, the user stays on %3")
            .arg(reason, m_job.toName, m_job.fromName));
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, JobPhase::RollingBack);

    // Compaction on the destination: the invalid or abandoned copy goes, unless it holds a
    // snapshot the source lacks. Without the destination it goes once the destination is back.
    QString stays; // why the copy was not removed now
    bool forGood = false; // never removed automatically: an operator has to look
    if (!context.destinationStore) {
        stays = QStringLiteral("'%1' cannot be reached; the copy is removed once it is back").arg(m_job.toName);
    } else if (const QString why = whyCopyMustStay(*context.destinationStore, context.sourceStore, m_job.fromName);
               !why.isEmpty()) {
        stays = QStringLiteral("the copy on '%1' was kept: %2").arg(m_job.toName, why);
        forGood = !why.contains(QLatin1String("cannot be read"));
    } else if (context.destinationStore->exists()) {
        if (auto status = context.destinationStore->moveToTrash(); !status)
            stays = QStringLiteral("removing the copy failed (%1); it is tried again").arg(status.message());
    }
    const QString finalError = stays.isEmpty() ? reason : reason + QStringLiteral("; ") + stays;
    const Status finished = db.transaction([&]() -> Status {
        if (stays.isEmpty()) {
            if (auto status = StorageRepo(db).adjustUsedBytes(m_job.toStorageId, -m_job.destAccountedBytes); !status)
                return status;
            if (auto status = jobs.setCopyBooks(m_job.id, 0, 0, false); !status)
                return status;
        } else if (auto status = jobs.setCopyBooks(m_job.id, m_job.destAccountedBytes, 0, !forGood); !status) {
            return status;
        }
        return jobs.finish(m_job.id, state, failedIn, finalError);
    });
    m_job.state = state;
    m_error = finalError;
    if (!finished) {
        m_error = finished.message();
        return JobOutcome::Failed;
    }
    if (stays.isEmpty())
        m_job.destAccountedBytes = 0;
    if (state == JobState::Failed || forGood) {
        const bool destinationSide = forGood || failedIn == JobPhase::Copying || failedIn == JobPhase::CatchUp
            || failedIn == JobPhase::FinalCatchUp || failedIn == JobPhase::Verifying;
        auto raised = AlertRepo(db).raise(destinationSide ? m_job.toStorageId : m_job.fromStorageId,
            destinationSide ? m_job.toName : m_job.fromName, alertKind::migrationFailed,
            QStringLiteral("moving user '%1' from '%2' to '%3' failed: %4")
                .arg(m_job.userName, m_job.fromName, m_job.toName, finalError),
            m_job.id);
        if (!raised)
            qCWarning(lcMigration) << "job" << m_job.id << ": cannot raise the alert:" << raised.message();
    }
    log(context, LogLevel::Info, QStringLiteral("summary"),
        QStringLiteral("%1: user %2 stays on %3%4")
            .arg(state == JobState::Cancelled ? QStringLiteral("cancelled") : QStringLiteral("failed"), m_job.userName,
                m_job.fromName, stays.isEmpty() ? QString() : QStringLiteral("; ") + stays),
        { { QString(logkey::durationMs), QString::number(context.elapsed.elapsed()) } });
    if (m_options.phaseHook)
        m_options.phaseHook(m_job, JobPhase::Done);
    return state == JobState::Cancelled ? JobOutcome::Cancelled : JobOutcome::Failed;
}

QStringList MigrationJob::cleanUpLeftovers(ConfigDb& db, const MigrationLogOptions& logOptions)
{
    QStringList notes;
    auto leftovers = JobRepo(db).leftovers();
    if (!leftovers) {
        qCWarning(lcMigration) << "cannot list the copies left by failed moves:" << leftovers.message();
        return notes;
    }
    for (const JobRecord& job : std::as_const(*leftovers)) {
        auto destination = StorageRepo(db).byId(job.toStorageId);
        auto user = UserRepo(db).byId(job.userId);
        if (!destination || !user)
            continue;
        auto destinationRoot = StorageRoot::open(*destination);
        if (!destinationRoot)
            continue; // still away
        const UserStore copy(*destinationRoot, user->uuid);
        // A later move of the user to the same storage takes the copy over instead.
        auto active = JobRepo(db).list(true);
        if (!active)
            continue;
        const bool adopting = std::any_of(active->cbegin(), active->cend(),
            [&](const JobRecord& a) { return a.userId == job.userId && a.toStorageId == job.toStorageId; });
        if (adopting)
            continue;
        QString outcome;
        qint64 giveBack = job.destAccountedBytes;
        if (user->storageId == job.toStorageId) {
            // The user lives there now: the directory is its home, counted as its bytes.
            giveBack = 0;
            outcome = QStringLiteral("user '%1' lives on '%2' now: its directory there is kept")
                          .arg(user->name, destination->name);
        } else {
            std::optional<UserStore> home;
            QString homeName = user->storageName;
            if (auto opened = UserStore::open(db, *user))
                home = *opened;
            if (const QString why = whyCopyMustStay(copy, home, homeName); !why.isEmpty())
                continue; // checked again at the next pass
            if (auto status = copy.moveToTrash(); !status)
                continue;
            if (auto status = destinationRoot->emptyTrash(); !status)
                qCWarning(lcMigration) << "cannot free the trash of" << destination->name << ":" << status.message();
            outcome = QStringLiteral("removed the copy of user '%1' that job %2 left on '%3'")
                          .arg(user->name)
                          .arg(job.id)
                          .arg(destination->name);
        }
        const Status settled = db.transaction([&]() -> Status {
            if (auto status = StorageRepo(db).adjustUsedBytes(job.toStorageId, -giveBack); !status)
                return status;
            return JobRepo(db).setCopyBooks(job.id, 0, 0, false);
        });
        if (!settled) {
            qCWarning(lcMigration) << "job" << job.id << ":" << settled.message();
            continue;
        }
        LogRecord record = LogRecord::now(LogLevel::Info, outcome);
        record.set(QString(logkey::job), job.id);
        record.set(QString(logkey::user), job.userName);
        record.set(QString(logkey::src), job.fromName);
        record.set(QString(logkey::dst), job.toName);
        record.set(QString(logkey::event), QStringLiteral("cleanup"));
        if (auto status = MigrationLog(destinationRoot->path(), logOptions).append(record); !status)
            qCWarning(lcMigration) << "job" << job.id << ": a line of the migration log was lost:" << status.message();
        notes.append(outcome);
    }
    return notes;
}

} // namespace pk
