#pragma once

// Migration jobs in ConfigDb: one row per user move, its phase, progress, reservation on the
// destination and outcome. Any process may read them; only the engine holding the lock runs them.

#include "configdb.h"
#include "enginerecords.h"

namespace pk {

class JobRepo
{
public:
    // ownerEpoch > 0 fences the writes of one job (see schema step 7): they change the row only
    // while the job is claimed with that epoch and no engine has drawn a newer one, and otherwise
    // fail without changing anything. 0: unfenced (approvals, cancels, the lock holder's start).
    explicit JobRepo(ConfigDb& db, qint64 ownerEpoch = 0)
        : m_db(db)
        , m_ownerEpoch(ownerEpoch)
    { }

    // Inserts a pending job; fails when the user already has an active one.
    Result<qint64> create(
        JobKind kind, qint64 planId, qint64 userId, qint64 fromStorageId, qint64 toStorageId, qint64 reservedBytes);
    Result<JobRecord> byId(qint64 id);
    // Changes whenever a job is added or updated: a cheap "anything new?" for whoever shows jobs.
    Result<qint64> changeStamp();
    // Newest first; activeOnly: pending and running.
    Result<QList<JobRecord>> list(bool activeOnly = false, int limit = 1000);
    Result<QList<JobRecord>> activeForPool(qint64 poolId);
    // Storage ids that take part in an active job (their compaction and sync are paused).
    Result<QSet<qint64>> busyStorages();

    // Claims the job for this process (and, fenced, for this repo's epoch, if it is current).
    Status markRunning(qint64 id, qint64 ownerPid);
    // Fenced: whether the job is still this epoch's; unfenced: true.
    Result<bool> stillOwned(qint64 id);
    Status setPhase(qint64 id, JobPhase phase);
    Status setProgress(qint64 id, qint64 bytesDone, qint64 bytesTotal);
    Status addDestAccounted(qint64 id, qint64 delta);
    Status finish(qint64 id, JobState state, JobPhase phase, const QString& error);
    // Back to pending with its phase kept, so the next engine resumes it (a clean stop).
    Status requeue(qint64 id);
    // Records a cancel unless the job is past the switch (then false, nothing changes).
    Result<bool> requestCancel(qint64 id);
    Result<bool> isCancelRequested(qint64 id);
    Status setError(qint64 id, const QString& error);
    // The job's entries in the byte ledger (see StorageRepo::ledgerBytes).
    Status setCopyBooks(qint64 id, qint64 destAccountedBytes, qint64 sourceBytes, bool cleanupPending);
    // A copy that a failed move of the same user to the same storage left behind becomes this
    // job's (it copies into the same directory): its bytes move onto this job, none is counted
    // twice. Returns the bytes taken over.
    Result<qint64> adoptLeftovers(qint64 id, qint64 userId, qint64 toStorageId);
    // True when a job counts the directory of this user on this storage in its own books: a copy
    // being made or left by a failed move, or a source switched away and not yet compacted.
    Result<bool> accountsFor(qint64 storageId, const QString& userUuid);
    // Failed or cancelled jobs whose copy is still to be removed.
    Result<QList<JobRecord>> leftovers();
    // When the user's last move finished successfully, if ever.
    Result<qint64> lastMoveFinishedMs(qint64 userId);

private:
    // "UPDATE jobs SET <assignments> WHERE id = ?" with the values, fenced when this repo is.
    Status updateJob(qint64 id, const QString& assignments, QVariantList values);
    QString fenceCondition() const;

    ConfigDb& m_db;
    qint64 m_ownerEpoch = 0;
};

} // namespace pk
