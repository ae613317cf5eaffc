#include "master.h"

#include "balance/balancedetector.h"
#include "configdb/claimrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/samplerepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "storage/placement.h"
#include "storage/storageroot.h"
#include "storagebooks.h"
#include "util/failpoint.h"
#include "util/logging.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QFileInfo>
#include <QUuid>

namespace pk {

namespace {

constexpr int maxPlacementRetries = 5;

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// A path with symlinks resolved as far as it exists: where a write below it would really land.
QString resolvedPath(const QString& path)
{
    QString existing = QDir::cleanPath(path);
    QStringList rest;
    while (!QFileInfo::exists(existing)) {
        const QString parent = QFileInfo(existing).path();
        if (parent == existing)
            break;
        rest.prepend(QFileInfo(existing).fileName());
        existing = parent;
    }
    const QString canonical = QFileInfo(existing).canonicalFilePath();
    QString resolved = canonical.isEmpty() ? existing : canonical;
    for (const QString& component : std::as_const(rest))
        resolved += (resolved.endsWith(u'/') ? QString() : QStringLiteral("/")) + component;
    return resolved;
}

bool isSameOrInside(const QString& path, const QString& root)
{
    return path == root || path.startsWith(root.endsWith(u'/') ? root : root + u'/');
}

} // namespace

Status Master::checkRestoreTarget(const QString& targetDir, const Manifest& manifest)
{
    auto storages = StorageRepo(m_db).list();
    if (!storages)
        return storages.error();
    // Where Poolkeeper keeps its own data: a restore must never write there.
    QList<QPair<QString, QString>> protectedRoots; // path, what it is
    for (const StorageRecord& storage : std::as_const(*storages))
        protectedRoots.append({ resolvedPath(storage.rootPath), QStringLiteral("storage '%1'").arg(storage.name) });
    const QString workspace
        = m_db.workspaceDir().isEmpty() ? QFileInfo(m_db.path()).absolutePath() : m_db.workspaceDir();
    protectedRoots.append({ resolvedPath(workspace), QStringLiteral("the workspace") });
    const QString target = resolvedPath(targetDir);
    for (const auto& [root, what] : std::as_const(protectedRoots)) {
        if (isSameOrInside(target, root))
            return usageError(QStringLiteral("restore target '%1' is inside %2 (%3): restoring there would mix files "
                                             "into Poolkeeper's own data; choose a directory outside every storage and "
                                             "the workspace")
                                  .arg(targetDir, what, root));
    }
    // A target above a storage is fine unless the snapshot itself would write into it (paths in
    // a manifest are relative and the restore follows no symlink, so this is where they land).
    for (const auto& [root, what] : std::as_const(protectedRoots)) {
        if (!isSameOrInside(root, target))
            continue;
        for (const ManifestEntry& entry : manifest.entries) {
            const QString landing = target + u'/' + QString::fromLocal8Bit(entry.path);
            if (isSameOrInside(landing, root) || isSameOrInside(root, landing))
                return usageError(QStringLiteral("restoring snapshot %1 into '%2' would write '%3' into %4 (%5): "
                                                 "choose another directory")
                                      .arg(manifest.snapshotId, targetDir, displayPath(entry.path), what, root));
        }
    }
    return {};
}

Result<PoolRecord> Master::addPool(const QString& name, double highPercent, double lowPercent, PoolMode mode)
{
    return PoolRepo(m_db).add(name, highPercent, lowPercent, mode);
}

Result<StorageRecord> Master::addStorage(
    const QString& poolName, const QString& name, const QString& path, std::optional<qint64> quotaBytes)
{
    if (auto status = PoolRepo::validateName(QStringLiteral("storage"), name); !status)
        return status.error();
    auto pool = PoolRepo(m_db).byName(poolName);
    if (!pool)
        return pool.error();
    if (auto status = StorageRoot::checkUsableDirectory(path); !status)
        return status.error();
    auto canonical = StorageRoot::canonicalPath(path);
    if (!canonical)
        return canonical.error();
    StorageRepo storages(m_db);
    auto existingName = storages.byName(name);
    if (existingName)
        return failed(QStringLiteral("storage '%1' already exists: choose another name").arg(name));
    auto all = storages.list();
    if (!all)
        return all.error();
    for (const StorageRecord& other : std::as_const(*all)) {
        if (other.rootPath == *canonical)
            return failed(
                QStringLiteral("'%1' is already the path of storage '%2': give each storage its own directory")
                    .arg(*canonical, other.name));
        if (canonical->startsWith(other.rootPath + u'/') || other.rootPath.startsWith(*canonical + u'/'))
            return failed(
                QStringLiteral("'%1' is nested with the path of storage '%2' (%3): storages need separate directories")
                    .arg(*canonical, other.name, other.rootPath));
    }
    QString uuid = newUuid();
    bool resuming = false;
    auto identity = StorageRoot::readIdentity(*canonical);
    if (identity) {
        // An add that was killed after writing storage.json and before its commit left exactly
        // this: the same name and pool, an id ConfigDb does not know, no user data. Retrying the
        // same command completes it.
        const bool known = std::any_of(
            all->cbegin(), all->cend(), [&](const StorageRecord& other) { return other.uuid == identity->storageId; });
        const QDir usersDir(StorageRoot(*canonical).usersDir());
        const bool noUsers
            = !usersDir.exists() || usersDir.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        if (known || identity->name != name || identity->pool != pool->name || !noUsers)
            return failed(
                QStringLiteral("'%1' already holds storage '%2' of pool '%3' (id %4): choose an empty directory")
                    .arg(*canonical, identity->name, identity->pool, identity->storageId));
        uuid = identity->storageId;
        resuming = true;
    } else if (identity.error().code != ErrorCode::NotFound) {
        return identity.error();
    }

    StorageRecord created;
    // The row and storage.json appear together: the transaction commits only once storage.json
    // is durable, and storage.json is removed again if the commit fails.
    const Status status = m_db.transaction([&]() -> Status {
        auto record = storages.add(pool->id, name, *canonical, uuid, quotaBytes);
        if (!record)
            return record.error();
        created = *record;
        if (resuming) {
            auto root = StorageRoot::open(*canonical, uuid, name);
            if (!root)
                return root.error();
            return posix::makePath(root->usersDir());
        }
        auto root = StorageRoot::initialize(*canonical, { StorageRoot::formatVersion, uuid, name, pool->name });
        if (!root)
            return root.error();
        failpoint("storage-json-written");
        return {};
    });
    if (!status) {
        auto written = StorageRoot::readIdentity(*canonical);
        if (!resuming && written && written->storageId == uuid)
            QFile::remove(*canonical + u'/' + QLatin1String(StorageRoot::identityFile));
        return status.error();
    }
    return created;
}

Result<StorageRoot> Master::openStorage(const StorageRecord& storage)
{
    return StorageRoot::open(storage);
}

Result<UserStore> Master::userStore(const UserRecord& user)
{
    return UserStore::open(m_db, user);
}

Result<RescanResult> Master::rescanStorage(const QString& name, const std::atomic<bool>* stop)
{
    return StorageBooks(*this).rescan(name, stop);
}

void Master::releaseClaim(qint64 claim, const UserStore& store, bool removeDirectory)
{
    if (removeDirectory) {
        if (auto status = store.remove(); !status)
            qCWarning(lcMaster) << "cannot remove the directory of a failed first backup:" << status.message();
    }
    // A claim whose bytes could not be given back stays: recovery settles it against the disk
    // once this process is gone.
    auto closed = ClaimRepo(m_db).closeSettled(claim);
    if (!closed)
        qCWarning(lcMaster) << "cannot close the claim of a failed backup:" << closed.message();
    else if (!*closed)
        qCWarning(lcMaster) << "a failed backup could not give back all its bytes; recovery will count them";
}

Result<PoolRecord> Master::poolForBackup(const std::optional<UserRecord>& user, const QString& poolName)
{
    PoolRepo pools(m_db);
    if (user) {
        if (!poolName.isEmpty() && poolName != user->poolName)
            return failed(QStringLiteral("user '%1' lives in pool '%2', not '%3': drop --pool or give '%2'")
                              .arg(user->name, user->poolName, poolName));
        return pools.byName(user->poolName);
    }
    if (!poolName.isEmpty())
        return pools.byName(poolName);
    auto all = pools.list();
    if (!all)
        return all.error();
    if (all->isEmpty())
        return notFound(QStringLiteral("there is no pool yet: create one with 'poolkeeper-cli pool add NAME'"));
    if (all->size() > 1)
        return usageError(
            QStringLiteral("there are %1 pools: choose one for the new user with --pool").arg(all->size()));
    return all->first();
}

Result<BackupOutcome> Master::backup(const QString& userName, const QString& sourceDir, const QString& poolName,
    const std::function<void(const BackupProgress&)>& progress, const std::atomic<bool>* stop)
{
    if (auto status = UserRepo::validateName(userName); !status)
        return status.error();
    const QFileInfo source(sourceDir);
    if (!source.exists())
        return notFound(QStringLiteral("backup source '%1' does not exist: give an existing directory").arg(sourceDir));
    if (!source.isDir())
        return failed(
            QStringLiteral("backup source '%1' is not a directory: give the directory to back up").arg(sourceDir));
    const QString absoluteSource = source.absoluteFilePath();

    UserRepo users(m_db);
    StorageRepo storages(m_db);
    for (int attempt = 0; attempt < maxPlacementRetries; ++attempt) {
        auto existing = users.find(userName);
        if (!existing)
            return existing.error();
        auto pool = poolForBackup(*existing, poolName);
        if (!pool)
            return pool.error();
        auto poolStorages = storages.list(pool->id);
        if (!poolStorages)
            return poolStorages.error();
        const QList<StorageUsage> usages = measureStorages(*poolStorages);

        StorageUsage target;
        QString userUuid;
        const bool newUser = !existing->has_value();
        if (newUser) {
            auto chosen = Placement::chooseForNewUser(usages, pool->name);
            if (!chosen)
                return chosen.error();
            target = *chosen;
            userUuid = newUuid();
        } else {
            const UserRecord& user = **existing;
            auto it = std::find_if(
                usages.cbegin(), usages.cend(), [&](const StorageUsage& u) { return u.storage.id == user.storageId; });
            if (it == usages.cend())
                return failed(QStringLiteral(
                    "user '%1' lives on a storage that is not in its pool: run 'poolkeeper-cli storage rescan'")
                                  .arg(userName));
            target = *it;
            userUuid = user.uuid;
        }
        auto root = openStorage(target.storage);
        if (!root)
            return root.error();
        UserStore store(*root, userUuid);
        const qint64 storageId = target.storage.id;
        const QString storageName = target.storage.name;
        ClaimRepo claims(m_db);
        std::optional<qint64> claim;
        if (newUser) {
            // Claimed before the directory exists, and only while the storage still takes new
            // users: a drain or mark committed meanwhile sends the user elsewhere, and one
            // committed later sees the claim.
            auto opened = claims.openBackup(storageId, userUuid, true);
            if (!opened)
                return opened.error();
            if (!opened->has_value())
                continue;
            claim = **opened;
            failpoint("backup-placed");
            if (auto status = store.create(userName); !status) {
                releaseClaim(*claim, store, true);
                return status.error();
            }
        }
        // A migration may switch the user and compact its old directory at any moment before
        // these locks are held: then the lock files are gone or the user lives elsewhere, and
        // the backup is placed again. When ConfigDb cannot say where the user lives now, the
        // backup must not go on: writing to a storage the user has just left would put the
        // snapshot where compaction removes it.
        auto movedMeanwhile = [&]() -> Result<bool> {
            if (newUser)
                return false;
            auto now = users.byName(userName);
            if (!now)
                return failed(
                    QStringLiteral("ConfigDb could not confirm where user '%1' lives (%2): nothing was backed "
                                   "up; try again")
                        .arg(userName, now.message()));
            return now->storageId != storageId;
        };
        // A lock that could not be had: the backup is placed again when the user moved meanwhile
        // (empty result), otherwise it fails.
        auto lockFailed = [&](const Error& error) -> std::optional<Error> {
            if (claim)
                releaseClaim(*claim, store, true);
            auto moved = movedMeanwhile();
            if (!moved)
                return moved.error();
            if (*moved)
                return std::nullopt;
            return error;
        };
        auto backupLock
            = FileLock::acquire(store.backupLockPath(), FileLock::Mode::Exclusive, std::chrono::milliseconds(-1), stop);
        if (!backupLock) {
            if (auto error = lockFailed(backupLock.error()))
                return *error;
            continue;
        }
        // Waits while a migration has the user frozen; afterwards the user may live elsewhere.
        auto userLock
            = FileLock::acquire(store.lockPath(), FileLock::Mode::Shared, std::chrono::milliseconds(-1), stop);
        if (!userLock) {
            if (auto error = lockFailed(userLock.error()))
                return *error;
            continue;
        }
        failpoint("backup-locked");
        if (auto moved = movedMeanwhile(); !moved)
            return moved.error();
        else if (*moved)
            continue;
        if (!newUser) {
            // An earlier backup of this user that was killed left chunks and a claim: settle
            // them first (no backup of the user runs now, this one holds its lock).
            auto storage = storages.byId(storageId);
            if (!storage)
                return storage.error();
            if (auto recovered = StorageBooks(*this).recoverDirectory(*storage, userUuid); !recovered)
                return recovered.error();
            auto opened = claims.openBackup(storageId, userUuid, false);
            if (!opened)
                return opened.error();
            claim = **opened;
        }

        BackupJob job(store, userName, absoluteSource);
        job.setBudget(target.roomBytes());
        // A new user's user.json was written above; it counts like the data.
        if (newUser)
            job.setPreAddedBytes(QFileInfo(store.identityPath()).size());
        job.setStopFlag(stop);
        if (progress)
            job.setProgressHandler(progress);
        job.setAccountant([&](qint64 delta) -> Status {
            auto accepted = claims.charge(*claim, storageId, delta);
            if (!accepted)
                return accepted.error();
            if (!*accepted)
                return failed(QStringLiteral("storage '%1' is full: its quota does not leave room for this backup; "
                                             "raise the capacity or rebalance the pool")
                                  .arg(storageName));
            return {};
        });
        failpoint("backup-writing");
        auto result = job.run();
        if (!result) {
            // The job took its chunks and their bytes back; what is left is the claim itself.
            userLock->release();
            releaseClaim(*claim, store, newUser);
            return result.error();
        }
        failpoint("backup-written");

        SnapshotRecord snapshot;
        snapshot.snapshotId = result->snapshotId;
        snapshot.createdMs = result->createdMs;
        snapshot.files = result->files;
        snapshot.logicalBytes = result->logicalBytes;
        snapshot.addedBytes = result->addedBytes;
        // The claim's bytes become the user's: used bytes do not change.
        const Status committed = m_db.transaction([&]() -> Status {
            qint64 userId = 0;
            if (newUser) {
                auto created = users.create(userName, userUuid, storageId);
                if (!created)
                    return created.error();
                userId = created->id;
            } else {
                userId = existing->value().id;
            }
            if (auto s = users.addBytes(userId, result->addedBytes); !s)
                return s;
            if (auto s = users.addSnapshot(userId, snapshot); !s)
                return s;
            return claims.close(*claim);
        });
        if (!committed) {
            if (newUser) {
                // Nobody can refer to a user that never reached ConfigDb: take the data back.
                userLock->release();
                if (auto charged = claims.charge(*claim, storageId, -result->addedBytes); !charged)
                    qCWarning(lcMaster) << "cannot give back the bytes of a failed first backup:" << charged.message();
                releaseClaim(*claim, store, true);
                return committed.error();
            }
            // The claim stays: the recovery of the next backup or rescan records the snapshot.
            return failed(QStringLiteral(
                "snapshot %1 was stored but ConfigDb could not record it (%2): run 'poolkeeper-cli storage rescan %3'")
                              .arg(result->snapshotId, committed.message(), storageName));
        }
        return BackupOutcome { *result, storageName, newUser };
    }
    return failed(QStringLiteral("user '%1' kept moving between storages during the backup: try again").arg(userName));
}

Result<RestoreResult> Master::restore(const QString& userName, const QString& targetDir, const QString& snapshotId,
    const RestoreOptions& options, const std::function<void(const RestoreProgress&)>& progress,
    const std::atomic<bool>* stop)
{
    UserRepo users(m_db);
    for (int attempt = 0; attempt < maxPlacementRetries; ++attempt) {
        auto user = users.byName(userName);
        if (!user)
            return user.error();
        auto store = userStore(*user);
        if (!store)
            return store.error();
        if (!store->exists()) {
            auto now = users.byName(userName);
            if (now && now->storageId != user->storageId)
                continue;
            return failed(
                QStringLiteral("the data of user '%1' is missing on storage '%2': run 'poolkeeper-cli verify %1'")
                    .arg(userName, user->storageName));
        }
        // Shared: compaction of a migrated user waits until this restore is done.
        auto lock = FileLock::acquire(store->lockPath(), FileLock::Mode::Shared, std::chrono::milliseconds(-1), stop);
        auto now = users.byName(userName);
        if (!now)
            return now.error();
        if (now->storageId != user->storageId)
            continue; // moved (and perhaps compacted) meanwhile: follow it
        if (!lock)
            return lock.error();

        QString id = snapshotId;
        if (!id.isEmpty() && !isValidSnapshotId(id))
            return notFound(
                QStringLiteral("'%1' is not a valid snapshot id: snapshot ids look like 20261124-101502-123-a1b2c3")
                    .arg(id));
        if (id.isEmpty()) {
            auto ids = store->snapshotIds();
            if (!ids)
                return ids.error();
            if (ids->isEmpty())
                return notFound(QStringLiteral("user '%1' has no snapshot yet").arg(userName));
            id = ids->constLast();
        }
        auto manifest = store->readManifest(id);
        if (!manifest) {
            if (manifest.error().code == ErrorCode::NotFound)
                return notFound(QStringLiteral("user '%1' has no snapshot '%2': list them with 'poolkeeper-cli users'")
                                    .arg(userName, id));
            return manifest.error();
        }
        const QString absoluteTarget = QDir::cleanPath(QDir::current().absoluteFilePath(targetDir));
        if (auto status = checkRestoreTarget(absoluteTarget, *manifest); !status)
            return status.error();
        RestoreJob job(*store, *manifest, absoluteTarget);
        job.setOptions(options);
        job.setStopFlag(stop);
        if (progress)
            job.setProgressHandler(progress);
        return job.run();
    }
    return failed(QStringLiteral("user '%1' kept moving between storages during the restore: try again").arg(userName));
}

Result<ConsistencyReport> Master::verify(const QString& userName, bool deep, const std::atomic<bool>* stop)
{
    auto user = UserRepo(m_db).byName(userName);
    if (!user)
        return user.error();
    auto store = userStore(*user);
    if (!store)
        return store.error();
    auto lock = FileLock::acquire(store->lockPath(), FileLock::Mode::Shared, std::chrono::milliseconds(-1), stop);
    if (!lock)
        return lock.error();
    ConsistencyChecker checker(*store);
    checker.setDeep(deep);
    checker.setStopFlag(stop);
    return checker.run();
}

Result<PoolStatus> Master::poolStatus(const PoolRecord& pool)
{
    auto storages = StorageRepo(m_db).list(pool.id);
    if (!storages)
        return storages.error();
    PoolStatus status;
    status.pool = pool;
    QList<StorageUsage> usages = measureStorages(*storages);
    // A console of a shared ConfigDb may not see the storages' paths: what the engine measured
    // recently stands for them.
    if (m_db.isPostgres()) {
        for (StorageUsage& usage : usages) {
            if (usage.reachable)
                continue;
            auto sample = SampleRepo(m_db).latest(usage.storage.id, nowMs() - sampleFreshnessMs);
            if (!sample)
                return sample.error();
            if (sample->has_value()) {
                usage.reachable = (*sample)->reachable;
                usage.capacityBytes = (*sample)->capacityBytes;
                usage.measuredByEngine = true;
            }
        }
    }
    auto userCounts = UserRepo(m_db).countsByStorage();
    if (!userCounts)
        return userCounts.error();
    // Storages a running migration touches have compaction and synchronization paused.
    auto busy = JobRepo(m_db).busyStorages();
    if (!busy)
        return busy.error();
    for (const StorageUsage& usage : usages)
        status.storages.append(
            StorageStatus { usage, userCounts->value(usage.storage.id), busy->contains(usage.storage.id) });
    auto active = JobRepo(m_db).activeForPool(pool.id);
    if (!active)
        return active.error();
    const BalanceDetection detection = BalanceDetector::detect(usages, pool.highPercent, pool.lowPercent);
    status.state = !active->isEmpty() ? PoolState::Migrating
                                      : (detection.unbalanced ? PoolState::Unbalanced : PoolState::Balanced);
    return status;
}

Result<QList<PoolStatus>> Master::status(const QString& poolName)
{
    PoolRepo pools(m_db);
    QList<PoolRecord> selected;
    if (!poolName.isEmpty()) {
        auto pool = pools.byName(poolName);
        if (!pool)
            return pool.error();
        selected.append(*pool);
    } else {
        auto all = pools.list();
        if (!all)
            return all.error();
        selected = *all;
    }
    QList<PoolStatus> result;
    for (const PoolRecord& pool : std::as_const(selected)) {
        auto status = poolStatus(pool);
        if (!status)
            return status.error();
        result.append(*status);
    }
    return result;
}

QString toString(PoolState state)
{
    switch (state) {
    case PoolState::Balanced:
        return QStringLiteral("balanced");
    case PoolState::Unbalanced:
        return QStringLiteral("unbalanced");
    case PoolState::Migrating:
        return QStringLiteral("migrating");
    }
    return {};
}

} // namespace pk
