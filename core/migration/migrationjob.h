#pragma once

// Moves one user to another storage, phase by phase: copying -> catch-up -> freeze -> final
// catch-up -> verifying -> switching -> unfreeze -> compacting -> done. Each phase is persisted
// before it runs, so a job killed at any moment is resumed (before the switch: copy again, which
// is idempotent; after it: finish compacting) or rolled back. Nothing is removed from the source
// before ConfigDb points at a destination copy that passed the deep check. Removed directories go
// to the storage's trash at once; whoever runs the job empties the trash afterwards
// (StorageRoot::emptyTrash). Runs synchronously on the calling thread with that thread's ConfigDb
// connection.

#include "configdb/enginerecords.h"
#include "logs/migrationlog.h"
#include "ratelimiter.h"

#include <QMetaType>

#include <atomic>
#include <chrono>
#include <functional>

namespace pk {

class ConfigDb;
class JobRepo;
class UserStore;
struct LogRecord;

struct JobProgress
{
    qint64 jobId = 0;
    qint64 poolId = 0;
    JobPhase phase = JobPhase::Queued;
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    double bytesPerSecond = 0;
};

struct MigrationOptions
{
    RateLimiter* limiter = nullptr;
    // The engine is stopping: leave the job resumable (back to pending, phase kept).
    const std::atomic<bool>* stop = nullptr;
    MigrationLogOptions logOptions;
    // Called after a phase is persisted and before it runs (tests stop or kill here).
    std::function<void(const JobRecord&, JobPhase)> phaseHook;
    std::function<void(const JobProgress&)> progress;
    std::chrono::milliseconds cancelPollInterval { 1000 };
    // The epoch the running engine drew with its lock: every write of the job is fenced with it
    // (JobRepo), and nothing is removed from a storage once the job is another engine's. 0: not
    // fenced (tools and tests that run a job by themselves).
    qint64 ownerEpoch = 0;
};

// Stopped: the engine is stopping, the job resumes at the next start. Deferred: the job cannot go
// on now (its source cannot be compacted yet) and is tried again later.
enum class JobOutcome { Done, Failed, Cancelled, Stopped, Deferred };

class MigrationJob
{
public:
    MigrationJob(ConfigDb& db, JobRecord job, MigrationOptions options);
    ~MigrationJob();

    JobOutcome run();
    QString error() const { return m_error; }
    const JobRecord& job() const { return m_job; }

    // Removes the copies that failed or cancelled moves could not remove when they ended (their
    // destination was unreachable), once it is back; returns what was done, for notes. Only the
    // engine that holds the workspace's lock calls it.
    static QStringList cleanUpLeftovers(ConfigDb& db, const MigrationLogOptions& logOptions = {});

private:
    struct Context;

    JobRepo jobRepo(ConfigDb& db) const;
    // Why nothing may be removed now, empty when the rollback may go on (see rollBack()).
    QString whyRollBackMustWait();
    JobOutcome runPhases(Context& context);
    Status enterPhase(Context& context, JobPhase phase, const QString& message = {});
    Status copySnapshots(Context& context, const QStringList& ids);
    Status accountDestination(qint64 delta);
    Status switchUser(Context& context);
    Status waitForFreeze(Context& context);
    JobOutcome compact(Context& context);
    JobOutcome deferCompaction(Context& context, const QString& reason);
    JobOutcome rollBack(Context& context, JobState state, const QString& reason);
    // Leaves the job as it is, touching no storage: it is another engine's now, or ConfigDb
    // cannot tell whether removing anything is safe.
    JobOutcome standAside(Context& context, const QString& why);
    // Records the end of a job that changed nothing on the storages; a failure is logged.
    void recordEnd(JobState state, JobPhase phase);
    JobOutcome stopped(Context& context);
    bool interrupted(Context& context);
    void log(Context& context, LogLevel level, const QString& event, const QString& message,
        const QList<LogField>& extra = {});
    void reportProgress(Context& context, bool force);

    ConfigDb& m_db;
    JobRecord m_job;
    MigrationOptions m_options;
    QString m_error;
    std::atomic<bool> m_interrupt { false };
    bool m_cancelRequested = false;
};

QString describe(JobOutcome outcome);

} // namespace pk

Q_DECLARE_METATYPE(pk::JobProgress)
