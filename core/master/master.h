#pragma once

// The master server of the seed: it owns the ConfigDb view of pools, storages and users, places
// backup and restore requests on storages, and keeps ConfigDb and the storages in agreement.
// One Master works on one ConfigDb connection, in the thread that opened it.

#include "configdb/configdb.h"
#include "configdb/records.h"
#include "poolstatus.h"
#include "storage/backupjob.h"
#include "storage/consistencychecker.h"
#include "storage/restorejob.h"
#include "storage/userstore.h"
#include "storagebooks.h"

#include <atomic>
#include <functional>

namespace pk {

struct BackupOutcome
{
    BackupResult result;
    QString storageName;
    bool newUser = false;
};

class Master
{
public:
    // How old an engine's capacity sample may be to stand for a storage this machine cannot reach.
    static constexpr qint64 sampleFreshnessMs = 60000;

    explicit Master(ConfigDb& db)
        : m_db(db)
    { }

    ConfigDb& db() { return m_db; }

    Result<PoolRecord> addPool(const QString& name, double highPercent, double lowPercent, PoolMode mode);
    // Checks the directory (exists, writable, not another storage's), writes storage.json and
    // registers the storage; on any failure neither the directory nor ConfigDb changes.
    Result<StorageRecord> addStorage(
        const QString& poolName, const QString& name, const QString& path, std::optional<qint64> quotaBytes);
    // Recounts the bytes on a storage from disk and repairs ConfigDb's view of it (StorageBooks).
    Result<RescanResult> rescanStorage(const QString& name, const std::atomic<bool>* stop = nullptr);

    // poolName may be empty: the user's pool, or the only pool for a new user.
    Result<BackupOutcome> backup(const QString& userName, const QString& sourceDir, const QString& poolName,
        const std::function<void(const BackupProgress&)>& progress = {}, const std::atomic<bool>* stop = nullptr);
    // snapshotId empty: the newest snapshot.
    Result<RestoreResult> restore(const QString& userName, const QString& targetDir, const QString& snapshotId,
        const RestoreOptions& options, const std::function<void(const RestoreProgress&)>& progress = {},
        const std::atomic<bool>* stop = nullptr);
    Result<ConsistencyReport> verify(const QString& userName, bool deep, const std::atomic<bool>* stop = nullptr);

    // poolName empty: every pool.
    Result<QList<PoolStatus>> status(const QString& poolName = {});
    Result<PoolStatus> poolStatus(const PoolRecord& pool);

    // Opens the storage a user lives on, checking that its path holds the expected storage.
    Result<UserStore> userStore(const UserRecord& user);
    Result<StorageRoot> openStorage(const StorageRecord& storage);

private:
    // Ends the claim of a backup that failed, once its bytes were given back.
    void releaseClaim(qint64 claim, const UserStore& store, bool removeDirectory);
    // A restore never writes into a storage or the workspace: Usage error when it would.
    Status checkRestoreTarget(const QString& targetDir, const Manifest& manifest);
    Result<PoolRecord> poolForBackup(const std::optional<UserRecord>& user, const QString& poolName);

    ConfigDb& m_db;
};

} // namespace pk
