#include "userrepo.h"

#include <QSet>

namespace pk {

namespace {

constexpr QLatin1String selectUser(
    "SELECT u.id, u.name, u.uuid, u.storage_id, s.name, p.name, u.bytes, "
    "(SELECT count(*) FROM snapshots n WHERE n.user_id = u.id) "
    "FROM users u JOIN storages s ON s.id = u.storage_id JOIN pools p ON p.id = s.pool_id");

UserRecord userFromQuery(const QSqlQuery& query)
{
    UserRecord user;
    user.id = query.value(0).toLongLong();
    user.name = query.value(1).toString();
    user.uuid = query.value(2).toString();
    user.storageId = query.value(3).toLongLong();
    user.storageName = query.value(4).toString();
    user.poolName = query.value(5).toString();
    user.bytes = query.value(6).toLongLong();
    user.snapshotCount = query.value(7).toInt();
    return user;
}

} // namespace

Status UserRepo::validateName(const QString& name)
{
    if (name.trimmed().isEmpty())
        return usageError(QStringLiteral("the user name is empty: give a name"));
    if (name.size() > 256)
        return usageError(QStringLiteral("the user name is longer than 256 characters"));
    for (const QChar c : name) {
        if (c.category() == QChar::Other_Control)
            return usageError(QStringLiteral("the user name contains a control character: use printable characters"));
    }
    return {};
}

Result<std::optional<UserRecord>> UserRepo::findWhere(const QString& condition, const QVariant& value)
{
    auto query = m_db.exec(selectUser + QStringLiteral(" WHERE ") + condition, { value });
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<UserRecord>();
    return std::optional<UserRecord>(userFromQuery(*query));
}

Result<std::optional<UserRecord>> UserRepo::find(const QString& name)
{
    return findWhere(QStringLiteral("u.name = ?"), name);
}

Result<std::optional<UserRecord>> UserRepo::findByUuid(const QString& uuid)
{
    return findWhere(QStringLiteral("u.uuid = ?"), uuid);
}

Result<QHash<qint64, int>> UserRepo::countsByStorage()
{
    auto query = m_db.exec(QStringLiteral("SELECT storage_id, count(*) FROM users GROUP BY storage_id"));
    if (!query)
        return query.error();
    QHash<qint64, int> counts;
    while (query->next())
        counts.insert(query->value(0).toLongLong(), query->value(1).toInt());
    return counts;
}

Result<QList<UserRecord>> UserRepo::createdSince(qint64 storageId, qint64 sinceMs)
{
    return m_db.queryRows(selectUser + QStringLiteral(" WHERE u.storage_id = ? AND u.created_ms >= ? ORDER BY u.id"),
        { storageId, sinceMs }, userFromQuery);
}

Result<UserRecord> UserRepo::byName(const QString& name)
{
    auto user = find(name);
    if (!user)
        return user.error();
    if (!user->has_value())
        return notFound(QStringLiteral("no user named '%1': see 'poolkeeper-cli users'").arg(name));
    return **user;
}

Result<UserRecord> UserRepo::byId(qint64 id)
{
    auto query = m_db.exec(selectUser + QStringLiteral(" WHERE u.id = ?"), { id });
    if (!query)
        return query.error();
    if (!query->next())
        return notFound(QStringLiteral("no user with id %1").arg(id));
    return userFromQuery(*query);
}

Result<QList<UserRecord>> UserRepo::list(qint64 storageId)
{
    if (storageId > 0)
        return m_db.queryRows(
            selectUser + QStringLiteral(" WHERE u.storage_id = ? ORDER BY u.name"), { storageId }, userFromQuery);
    return m_db.queryRows(selectUser + QStringLiteral(" ORDER BY u.name"), {}, userFromQuery);
}

Result<UserRecord> UserRepo::create(const QString& name, const QString& uuid, qint64 storageId)
{
    if (auto status = validateName(name); !status)
        return status.error();
    auto insert
        = m_db.insert(QStringLiteral("INSERT INTO users (name, uuid, storage_id, created_ms) VALUES (?, ?, ?, ?)"),
            { name, uuid, storageId, nowMs() });
    if (!insert)
        return insert.error();
    return byId(*insert);
}

Status UserRepo::setStorage(qint64 userId, qint64 storageId)
{
    auto query = m_db.exec(QStringLiteral("UPDATE users SET storage_id = ? WHERE id = ?"), { storageId, userId });
    if (!query)
        return query.error();
    if (query->numRowsAffected() != 1)
        return notFound(QStringLiteral("no user with id %1").arg(userId));
    return {};
}

Status UserRepo::setBytes(qint64 userId, qint64 bytes)
{
    auto query
        = m_db.exec(QStringLiteral("UPDATE users SET bytes = ? WHERE id = ?"), { qMax<qint64>(0, bytes), userId });
    if (!query)
        return query.error();
    return {};
}

Status UserRepo::addBytes(qint64 userId, qint64 delta)
{
    auto query
        = m_db.exec(QStringLiteral("UPDATE users SET bytes = greatest(0, bytes + ?) WHERE id = ?"), { delta, userId });
    if (!query)
        return query.error();
    return {};
}

Status UserRepo::addSnapshot(qint64 userId, const SnapshotRecord& snapshot)
{
    auto query = m_db.exec(
        QStringLiteral("INSERT INTO snapshots (user_id, snapshot_id, created_ms, files, logical_bytes, added_bytes) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
        { userId, snapshot.snapshotId, snapshot.createdMs, snapshot.files, snapshot.logicalBytes,
            snapshot.addedBytes });
    if (!query)
        return query.error();
    return {};
}

Result<QList<SnapshotRecord>> UserRepo::snapshots(qint64 userId)
{
    return m_db.queryRows(
        QStringLiteral("SELECT id, user_id, snapshot_id, created_ms, files, logical_bytes, added_bytes "
                       "FROM snapshots WHERE user_id = ? ORDER BY snapshot_id"),
        { userId }, [](const QSqlQuery& query) {
            SnapshotRecord snapshot;
            snapshot.id = query.value(0).toLongLong();
            snapshot.userId = query.value(1).toLongLong();
            snapshot.snapshotId = query.value(2).toString();
            snapshot.createdMs = query.value(3).toLongLong();
            snapshot.files = query.value(4).toLongLong();
            snapshot.logicalBytes = query.value(5).toLongLong();
            snapshot.addedBytes = query.value(6).toLongLong();
            return snapshot;
        });
}

Status UserRepo::removeSnapshot(qint64 userId, const QString& snapshotId)
{
    auto query = m_db.exec(
        QStringLiteral("DELETE FROM snapshots WHERE user_id = ? AND snapshot_id = ?"), { userId, snapshotId });
    if (!query)
        return query.error();
    return {};
}

Result<QStringList> UserRepo::syncSnapshots(
    const UserRecord& user, const QList<SnapshotRecord>& onDisk, bool removeMissing)
{
    auto known = snapshots(user.id);
    if (!known)
        return known.error();
    QSet<QString> knownIds;
    for (const SnapshotRecord& snapshot : std::as_const(*known))
        knownIds.insert(snapshot.snapshotId);
    QSet<QString> diskIds;
    QStringList notes;
    for (const SnapshotRecord& snapshot : onDisk) {
        diskIds.insert(snapshot.snapshotId);
        if (knownIds.contains(snapshot.snapshotId))
            continue;
        if (auto status = addSnapshot(user.id, snapshot); !status)
            return status.error();
        notes.append(QStringLiteral("snapshot %1 of user '%2' was on disk but not in ConfigDb: added")
                         .arg(snapshot.snapshotId, user.name));
    }
    if (!removeMissing)
        return notes;
    for (const SnapshotRecord& snapshot : std::as_const(*known)) {
        if (diskIds.contains(snapshot.snapshotId))
            continue;
        if (auto status = removeSnapshot(user.id, snapshot.snapshotId); !status)
            return status.error();
        notes.append(QStringLiteral("snapshot %1 of user '%2' was in ConfigDb but has no manifest on disk: removed "
                                    "from ConfigDb")
                         .arg(snapshot.snapshotId, user.name));
    }
    return notes;
}

} // namespace pk
