#pragma once

// Backs up a directory tree into a user's store as one new snapshot. Files are chunked, hashed
// and written by several threads; new chunks become durable before they get their final name,
// and the manifest is written last, so a crash or a failure leaves no snapshot that refers to
// missing data. On failure every chunk this backup added is removed again.

#include "userstore.h"

#include <atomic>
#include <chrono>
#include <functional>

namespace pk {

struct BackupProgress
{
    qint64 filesDone = 0;
    qint64 filesTotal = 0;
    qint64 bytesRead = 0;
    qint64 bytesTotal = 0;
    qint64 bytesAdded = 0;
};

struct BackupResult
{
    QString snapshotId;
    qint64 createdMs = 0;
    qint64 files = 0;
    qint64 logicalBytes = 0;
    qint64 addedBytes = 0; // new chunks plus the manifest: what the storage grew by
    qint64 chunksAdded = 0;
    qint64 chunksReused = 0;
    QStringList warnings;
};

class BackupJob
{
public:
    BackupJob(UserStore store, QString userName, QString sourceDir);

    // The most bytes this backup may add (quota room); none: unlimited.
    void setBudget(qint64 bytes) { m_budget = bytes; }
    // Told, on the calling thread, about bytes added since the last call (negative on rollback);
    // an error aborts the backup. The master uses it to keep ConfigDb's used bytes current and
    // to check the quota against writers in other processes.
    void setAccountant(std::function<Status(qint64 delta)> accountant) { m_accountant = std::move(accountant); }
    void setProgressHandler(std::function<void(const BackupProgress&)> handler) { m_progress = std::move(handler); }
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }
    void setWorkerCount(int workers) { m_workers = workers; }
    // Bytes already written for this backup outside the job (a new user's user.json): they are
    // accounted, counted in addedBytes and given back on rollback like the chunks.
    void setPreAddedBytes(qint64 bytes) { m_preAdded = bytes; }
    // How often the calling thread accounts and reports progress (default 250 ms).
    void setReportInterval(std::chrono::milliseconds interval) { m_reportInterval = interval; }

    Result<BackupResult> run();

private:
    UserStore m_store;
    QString m_userName;
    QString m_sourceDir;
    std::optional<qint64> m_budget;
    std::function<Status(qint64)> m_accountant;
    std::function<void(const BackupProgress&)> m_progress;
    const std::atomic<bool>* m_stop = nullptr;
    int m_workers = 0;
    qint64 m_preAdded = 0;
    std::chrono::milliseconds m_reportInterval { 250 };
};

} // namespace pk
