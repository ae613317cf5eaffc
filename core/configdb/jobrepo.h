#pragma once

// Migration jobs in ConfigDb: one row per user move, its phase, progress, reservation on the
// destination and outcome. Any process may read them; only the engine holding the lock runs them.

#include "configdb.h"
#include "enginerecords.h"

namespace pk {

class JobRepo
{
public:
    explicit JobRepo(ConfigDb& db)
        : m_db(db)
    { }

    // Inserts a pending job; fails when the user already has an active one.
    Result<qint64> create(
        JobKind kind, qint64 planId, qint64 userId, qint64 fromStorageId, qint64 toStorageId, qint64 reservedBytes);
    Result<JobRecord> byId(qint64 id);
    // Newest first; activeOnly: pending and running.
    Result<QList<JobRecord>> list(bool activeOnly = false, int limit = 1000);
    Result<QList<JobRecord>> activeForPool(qint64 poolId);
    // Storage ids that take part in an active job (their compaction and sync are paused).
    Result<QSet<qint64>> busyStorages();

    Status markRunning(qint64 id, qint64 ownerPid);
    Status setPhase(qint64 id, JobPhase phase);
    Status setProgress(qint64 id, qint64 bytesDone, qint64 bytesTotal);
    Status addDestAccounted(qint64 id, qint64 delta);
    Status finish(qint64 id, JobState state, JobPhase phase, const QString& error);
    // Back to pending with its phase kept, so the next engine resumes it (a clean stop).
    Status requeue(qint64 id);
    Result<bool> requestCancel(qint64 id);
    Result<bool> isCancelRequested(qint64 id);
    // When the user's last move finished successfully, if ever.
    Result<qint64> lastMoveFinishedMs(qint64 userId);

private:
    ConfigDb& m_db;
};

} // namespace pk
