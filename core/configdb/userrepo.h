#pragma once

// Users and their snapshots in ConfigDb: which storage each user lives on, at every instant.

#include "configdb.h"
#include "records.h"

#include <QHash>
#include <QList>

namespace pk {

class UserRepo
{
public:
    explicit UserRepo(ConfigDb& db)
        : m_db(db)
    { }

    static Status validateName(const QString& name);

    Result<UserRecord> byName(const QString& name);
    Result<UserRecord> byId(qint64 id);
    Result<std::optional<UserRecord>> find(const QString& name);
    Result<std::optional<UserRecord>> findByUuid(const QString& uuid);
    // How many users live on each storage (storage id -> count).
    Result<QHash<qint64, int>> countsByStorage();
    // Every user, or those living on one storage (storageId > 0), ordered by name.
    Result<QList<UserRecord>> list(qint64 storageId = 0);
    Result<UserRecord> create(const QString& name, const QString& uuid, qint64 storageId);
    // Users that appeared on a storage at or after sinceMs (their first backup committed then).
    Result<QList<UserRecord>> createdSince(qint64 storageId, qint64 sinceMs);

    // Points the user at another storage. Callers run it inside ConfigDb::transaction together
    // with every other change the move implies.
    Status setStorage(qint64 userId, qint64 storageId);
    Status setBytes(qint64 userId, qint64 bytes);
    Status addBytes(qint64 userId, qint64 delta);

    Status addSnapshot(qint64 userId, const SnapshotRecord& snapshot);
    Result<QList<SnapshotRecord>> snapshots(qint64 userId);
    Status removeSnapshot(qint64 userId, const QString& snapshotId);
    // Makes the user's snapshot rows match the manifests on disk: rows are added for snapshots
    // ConfigDb lacks and, with removeMissing, removed for those without a manifest. Returns one
    // note per change. Run it inside the transaction that settles what the disk holds.
    Result<QStringList> syncSnapshots(const UserRecord& user, const QList<SnapshotRecord>& onDisk, bool removeMissing);

private:
    // The one user matching condition ("u.uuid = ?") with one bound value.
    Result<std::optional<UserRecord>> findWhere(const QString& condition, const QVariant& value);

    ConfigDb& m_db;
};

} // namespace pk
