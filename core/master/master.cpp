#include "master.h"

#include "balance/balancedetector.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "storage/placement.h"
#include "storage/storageroot.h"
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

// Per-user locks: .lock is shared by backups and restores and taken exclusively by a migration's
// freeze and by compaction; backup.lock keeps two backups of one user apart, so that one's
// rollback cannot remove a chunk the other relies on.
QString backupLockPath(const UserStore& store)
{
    return store.dir() + QStringLiteral("/.backup.lock");
}

} // namespace

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
    auto identity = StorageRoot::readIdentity(*canonical);
    if (identity) {
        return failed(QStringLiteral("'%1' already holds storage '%2' of pool '%3' (id %4): choose an empty directory")
                          .arg(*canonical, identity->name, identity->pool, identity->storageId));
    }
    if (identity.error().code != ErrorCode::NotFound)
        return identity.error();

    const QString uuid = newUuid();
    StorageRecord created;
    // The row and storage.json appear together: the transaction commits only once storage.json
    // is durable, and storage.json is removed again if the commit fails.
    const Status status = m_db.transaction([&]() -> Status {
        auto record = storages.add(pool->id, name, *canonical, uuid, quotaBytes);
        if (!record)
            return record.error();
        created = *record;
        auto root = StorageRoot::initialize(*canonical, { StorageRoot::formatVersion, uuid, name, pool->name });
        if (!root)
            return root.error();
        return {};
    });
    if (!status) {
        auto written = StorageRoot::readIdentity(*canonical);
        if (written && written->storageId == uuid)
            QFile::remove(*canonical + u'/' + QLatin1String(StorageRoot::identityFile));
        return status.error();
    }
    return created;
}

Result<StorageRoot> Master::openStorage(const StorageRecord& storage)
{
    return StorageRoot::open(storage.rootPath, storage.uuid, storage.name);
}

Result<UserStore> Master::userStore(const UserRecord& user)
{
    auto storage = StorageRepo(m_db).byId(user.storageId);
    if (!storage)
        return storage.error();
    auto root = openStorage(*storage);
    if (!root)
        return root.error();
    return UserStore(*root, user.uuid);
}

Result<RescanResult> Master::rescanStorage(const QString& name)
{
    StorageRepo storages(m_db);
    auto storage = storages.byName(name);
    if (!storage)
        return storage.error();
    auto busy = JobRepo(m_db).busyStorages();
    if (!busy)
        return busy.error();
    if (busy->contains(storage->id))
        return failed(QStringLiteral("storage '%1' takes part in a running migration: synchronization is paused until "
                                     "it ends; see 'poolkeeper-cli jobs'")
                          .arg(name));
    auto root = openStorage(*storage);
    if (!root)
        return root.error();
    root->removeStaleTemporaries();
    UserRepo users(m_db);
    auto living = users.list(storage->id);
    if (!living)
        return living.error();
    QHash<QString, UserRecord> byUuid;
    for (const UserRecord& user : std::as_const(*living))
        byUuid.insert(user.uuid, user);

    RescanResult result;
    result.usedBytesBefore = storage->usedBytes;
    QHash<qint64, qint64> userBytes;
    QHash<qint64, QString> userNames;
    QHash<qint64, QList<SnapshotRecord>> userSnapshots;
    const QStringList dirs = QDir(root->usersDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QString& dir : dirs) {
        UserStore store(*root, dir);
        auto bytes = store.diskUsage();
        if (!bytes)
            return bytes.error();
        result.usedBytesAfter += *bytes;
        auto user = byUuid.constFind(dir);
        if (user == byUuid.constEnd()) {
            result.notes.append(QStringLiteral(
                "'%1' belongs to no user living on this storage (%2): an unfinished copy or an abandoned backup")
                                    .arg(store.dir(), formatBytes(*bytes)));
            continue;
        }
        userBytes.insert(user->id, *bytes);
        userNames.insert(user->id, user->name);
        auto ids = store.snapshotIds();
        QList<SnapshotRecord> snapshots;
        if (ids) {
            for (const QString& id : std::as_const(*ids)) {
                auto manifest = store.readManifest(id);
                SnapshotRecord snapshot;
                snapshot.snapshotId = id;
                if (manifest) {
                    snapshot.createdMs = manifest->createdMs;
                    snapshot.files = manifest->fileCount();
                    snapshot.logicalBytes = manifest->logicalBytes();
                }
                snapshots.append(snapshot);
            }
        }
        userSnapshots.insert(user->id, snapshots);
    }
    // Users ConfigDb places here whose directory is missing keep their rows: rescan reports,
    // it never forgets a user.
    for (const UserRecord& user : std::as_const(*living)) {
        if (!userBytes.contains(user.id))
            result.notes.append(QStringLiteral(
                "user '%1' lives on this storage but its directory is missing: run 'poolkeeper-cli verify %1'")
                                    .arg(user.name));
    }
    const Status status = m_db.transaction([&]() -> Status {
        if (auto s = storages.setUsedBytes(storage->id, result.usedBytesAfter); !s)
            return s;
        for (auto it = userBytes.cbegin(); it != userBytes.cend(); ++it) {
            if (auto s = users.setBytes(it.key(), it.value()); !s)
                return s;
            auto known = users.snapshots(it.key());
            if (!known)
                return known.error();
            QSet<QString> onDisk;
            for (const SnapshotRecord& snapshot : userSnapshots.value(it.key())) {
                onDisk.insert(snapshot.snapshotId);
                const bool present = std::any_of(known->cbegin(), known->cend(),
                    [&](const SnapshotRecord& k) { return k.snapshotId == snapshot.snapshotId; });
                if (!present) {
                    if (auto s = users.addSnapshot(it.key(), snapshot); !s)
                        return s;
                    result.notes.append(
                        QStringLiteral("snapshot %1 of user '%2' was on disk but not in ConfigDb: added")
                            .arg(snapshot.snapshotId, userNames.value(it.key())));
                }
            }
            for (const SnapshotRecord& snapshot : std::as_const(*known)) {
                if (!onDisk.contains(snapshot.snapshotId)) {
                    if (auto s = users.removeSnapshot(it.key(), snapshot.snapshotId); !s)
                        return s;
                    result.notes.append(
                        QStringLiteral("snapshot %1 was in ConfigDb but has no manifest on disk: removed from ConfigDb")
                            .arg(snapshot.snapshotId));
                }
            }
        }
        return {};
    });
    if (!status)
        return status.error();
    result.users = userBytes.size();
    return result;
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
        if (newUser) {
            if (auto status = store.create(userName); !status)
                return status.error();
        }
        // A migration may switch the user and compact its old directory at any moment before
        // these locks are held: then the lock files are gone or the user lives elsewhere, and
        // the backup is placed again.
        auto movedMeanwhile = [&]() -> bool {
            if (newUser)
                return false;
            auto now = users.byName(userName);
            return now && now->storageId != target.storage.id;
        };
        auto backupLock
            = FileLock::acquire(backupLockPath(store), FileLock::Mode::Exclusive, std::chrono::milliseconds(-1), stop);
        if (!backupLock) {
            if (movedMeanwhile())
                continue;
            return backupLock.error();
        }
        // Waits while a migration has the user frozen; afterwards the user may live elsewhere.
        auto userLock
            = FileLock::acquire(store.lockPath(), FileLock::Mode::Shared, std::chrono::milliseconds(-1), stop);
        if (!userLock) {
            if (movedMeanwhile())
                continue;
            return userLock.error();
        }
        if (movedMeanwhile())
            continue;

        BackupJob job(store, userName, absoluteSource);
        job.setBudget(target.roomBytes());
        // A new user's user.json was written above; it counts like the data.
        if (newUser)
            job.setPreAddedBytes(QFileInfo(store.identityPath()).size());
        job.setStopFlag(stop);
        if (progress)
            job.setProgressHandler(progress);
        const qint64 storageId = target.storage.id;
        const QString storageName = target.storage.name;
        job.setAccountant([&](qint64 delta) -> Status {
            auto accepted = storages.addUsedBytes(storageId, delta);
            if (!accepted)
                return accepted.error();
            if (!*accepted)
                return failed(QStringLiteral("storage '%1' is full: its quota does not leave room for this backup; "
                                             "raise the capacity or rebalance the pool")
                                  .arg(storageName));
            return {};
        });
        auto result = job.run();
        if (!result) {
            if (newUser) {
                userLock->release();
                (void)store.remove();
            }
            return result.error();
        }

        SnapshotRecord snapshot;
        snapshot.snapshotId = result->snapshotId;
        snapshot.createdMs = result->createdMs;
        snapshot.files = result->files;
        snapshot.logicalBytes = result->logicalBytes;
        snapshot.addedBytes = result->addedBytes;
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
            return users.addSnapshot(userId, snapshot);
        });
        if (!committed) {
            if (newUser) {
                // Nobody can refer to a user that never reached ConfigDb: take the data back.
                userLock->release();
                (void)store.remove();
                (void)storages.addUsedBytes(storageId, -result->addedBytes);
                return committed.error();
            }
            return failed(QStringLiteral(
                "snapshot %1 was stored but ConfigDb could not record it (%2): run 'poolkeeper-cli storage rescan %3'")
                              .arg(result->snapshotId, committed.message(), storageName));
        }
        return BackupOutcome { *result, storageName, newUser };
    }
    return failed(QStringLiteral("user '%1' kept moving between storages during the backup: try again").arg(userName));
}

Result<RestoreResult> Master::restore(const QString& userName, const QString& targetDir, const QString& snapshotId,
    bool force, const std::function<void(const RestoreProgress&)>& progress, const std::atomic<bool>* stop)
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
        RestoreJob job(*store, *manifest, QDir::cleanPath(QDir::current().absoluteFilePath(targetDir)));
        job.setForce(force);
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
    const QList<StorageUsage> usages = measureStorages(*storages);
    auto counts = m_db.exec(QStringLiteral("SELECT storage_id, count(*) FROM users GROUP BY storage_id"));
    if (!counts)
        return counts.error();
    QHash<qint64, int> userCounts;
    while (counts->next())
        userCounts.insert(counts->value(0).toLongLong(), counts->value(1).toInt());
    // Storages a running migration touches have compaction and synchronization paused.
    auto busy = JobRepo(m_db).busyStorages();
    if (!busy)
        return busy.error();
    for (const StorageUsage& usage : usages)
        status.storages.append(
            StorageStatus { usage, userCounts.value(usage.storage.id), busy->contains(usage.storage.id) });
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
