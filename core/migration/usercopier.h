#pragma once

// Copies a user's snapshots from one storage to another: for each snapshot first the chunks the
// destination lacks, then the manifest, so the copy never refers to data it does not have.
// Re-copying is idempotent: chunks already in place with the right size are skipped. Each chunk is
// copied to a temporary name, fsynced and renamed; the directories are fsynced before a manifest.

#include "ratelimiter.h"
#include "storage/userstore.h"

#include <QSet>

#include <atomic>
#include <functional>

namespace pk {

struct CopyStats
{
    qint64 bytesCopied = 0; // written to the destination by this call
    qint64 chunksCopied = 0;
    qint64 chunksPresent = 0;
    int snapshots = 0;
};

class UserCopier
{
public:
    UserCopier(UserStore source, UserStore destination, QString userName);

    void setRateLimiter(RateLimiter* limiter) { m_limiter = limiter; }
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }
    // Told about bytes written to the destination (in batches); an error stops the copy.
    void setAccountant(std::function<Status(qint64)> accountant) { m_accountant = std::move(accountant); }
    void setProgressHandler(std::function<void(qint64 bytesCopied)> handler) { m_progress = std::move(handler); }
    // Threads copying chunks at once: fsync waits overlap. Accounting and progress stay on the
    // calling thread, which owns the ConfigDb connection.
    void setWorkerCount(int workers) { m_workers = workers; }

    // Copies the given snapshots (ids present on the source).
    Result<CopyStats> copy(const QStringList& snapshotIds);
    // Removes destination snapshots that are no longer on the source.
    Status removeExtraSnapshots(const QStringList& sourceIds);

private:
    Status copyChunk(const ChunkRef& chunk, QByteArray& touchedFanout);
    Status copyChunks(const QList<ChunkRef>& chunks);
    Status syncDirectories();
    Status account(bool force);

    UserStore m_source;
    UserStore m_destination;
    QString m_userName;
    RateLimiter* m_limiter = nullptr;
    const std::atomic<bool>* m_stop = nullptr;
    std::function<Status(qint64)> m_accountant;
    std::function<void(qint64)> m_progress;

    QSet<QByteArray> m_touched; // directories with new names since the last sync
    int m_workers = 6;
    CopyStats m_stats;
    qint64 m_accounted = 0;
    std::atomic<qint64> m_copiedByWorkers { 0 };
};

} // namespace pk
