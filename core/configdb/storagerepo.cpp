#include "storagerepo.h"

#include "poolrepo.h"

namespace pk {

namespace {

constexpr QLatin1String selectStorage("SELECT s.id, s.pool_id, p.name, s.name, s.root_path, s.storage_uuid, "
                                      "s.capacity_bytes, s.state, s.used_bytes, s.marked_ms "
                                      "FROM storages s JOIN pools p ON p.id = s.pool_id");

StorageRecord storageFromQuery(const QSqlQuery& query)
{
    StorageRecord storage;
    storage.id = query.value(0).toLongLong();
    storage.poolId = query.value(1).toLongLong();
    storage.poolName = query.value(2).toString();
    storage.name = query.value(3).toString();
    storage.rootPath = query.value(4).toString();
    storage.uuid = query.value(5).toString();
    if (!query.value(6).isNull())
        storage.quotaBytes = query.value(6).toLongLong();
    storage.state = storageStateFromString(query.value(7).toString()).value_or(StorageState::Offline);
    storage.usedBytes = query.value(8).toLongLong();
    storage.markedMs = query.value(9).toLongLong();
    return storage;
}

} // namespace

Result<StorageRecord> StorageRepo::add(
    qint64 poolId, const QString& name, const QString& rootPath, const QString& uuid, std::optional<qint64> quotaBytes)
{
    if (auto status = PoolRepo::validateName(QStringLiteral("storage"), name); !status)
        return status.error();
    if (quotaBytes && *quotaBytes <= 0)
        return usageError(QStringLiteral("the capacity must be greater than zero"));
    StorageRecord storage;
    const Status status = m_db.transaction([&]() -> Status {
        auto byNameRow = m_db.queryRow(QStringLiteral("SELECT id FROM storages WHERE name = ?"), { name });
        if (!byNameRow)
            return byNameRow.error();
        if (!byNameRow->isEmpty())
            return failed(QStringLiteral("storage '%1' already exists: choose another name").arg(name));
        auto byPathRow = m_db.queryRow(QStringLiteral("SELECT name FROM storages WHERE root_path = ?"), { rootPath });
        if (!byPathRow)
            return byPathRow.error();
        if (!byPathRow->isEmpty())
            return failed(
                QStringLiteral("'%1' is already the path of storage '%2': give each storage its own directory")
                    .arg(rootPath, byPathRow->value(0).toString()));
        auto insert = m_db.insert(
            QStringLiteral("INSERT INTO storages (pool_id, name, root_path, storage_uuid, capacity_bytes, created_ms) "
                           "VALUES (?, ?, ?, ?, ?, ?)"),
            { poolId, name, rootPath, uuid,
                quotaBytes ? QVariant(*quotaBytes) : QVariant(QMetaType(QMetaType::LongLong)), nowMs() });
        if (!insert)
            return insert.error();
        const qint64 id = *insert;
        auto created = byId(id);
        if (!created)
            return created.error();
        storage = *created;
        return {};
    });
    if (!status)
        return status.error();
    return storage;
}

Result<QList<StorageRecord>> StorageRepo::list(qint64 poolId)
{
    if (poolId > 0)
        return m_db.queryRows(selectStorage + QStringLiteral(" WHERE s.pool_id = ? ORDER BY p.name, s.name"),
            { poolId }, storageFromQuery);
    return m_db.queryRows(selectStorage + QStringLiteral(" ORDER BY p.name, s.name"), {}, storageFromQuery);
}

Result<StorageRecord> StorageRepo::byName(const QString& name)
{
    auto query = m_db.exec(selectStorage + QStringLiteral(" WHERE s.name = ?"), { name });
    if (!query)
        return query.error();
    if (!query->next())
        return notFound(QStringLiteral("no storage named '%1': see 'poolkeeper-cli storage list'").arg(name));
    return storageFromQuery(*query);
}

Result<StorageRecord> StorageRepo::byId(qint64 id)
{
    auto query = m_db.exec(selectStorage + QStringLiteral(" WHERE s.id = ?"), { id });
    if (!query)
        return query.error();
    if (!query->next())
        return notFound(QStringLiteral("no storage with id %1").arg(id));
    return storageFromQuery(*query);
}

Result<std::optional<StorageRecord>> StorageRepo::byPath(const QString& rootPath)
{
    auto query = m_db.exec(selectStorage + QStringLiteral(" WHERE s.root_path = ?"), { rootPath });
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<StorageRecord>();
    return std::optional<StorageRecord>(storageFromQuery(*query));
}

Status StorageRepo::setState(qint64 id, StorageState state)
{
    auto query = m_db.exec(QStringLiteral("UPDATE storages SET state = ?, marked_ms = CASE WHEN ? IN ('marked', "
                                          "'draining') THEN coalesce(marked_ms, ?) ELSE NULL END WHERE id = ?"),
        { toString(state), toString(state), nowMs(), id });
    if (!query)
        return query.error();
    return {};
}

Status StorageRepo::setUsedBytes(qint64 id, qint64 bytes)
{
    auto query
        = m_db.exec(QStringLiteral("UPDATE storages SET used_bytes = ? WHERE id = ?"), { qMax<qint64>(0, bytes), id });
    if (!query)
        return query.error();
    return {};
}

Result<bool> StorageRepo::addUsedBytes(qint64 id, qint64 delta)
{
    auto query = delta > 0
        ? m_db.exec(QStringLiteral("UPDATE storages SET used_bytes = used_bytes + ? "
                                   "WHERE id = ? AND (capacity_bytes IS NULL OR used_bytes + ? <= capacity_bytes)"),
            { delta, id, delta })
        : m_db.exec(
            QStringLiteral("UPDATE storages SET used_bytes = greatest(0, used_bytes + ?) WHERE id = ?"), { delta, id });
    if (!query)
        return query.error();
    return query->numRowsAffected() == 1;
}

Status StorageRepo::adjustUsedBytes(qint64 id, qint64 delta)
{
    auto query = m_db.exec(
        QStringLiteral("UPDATE storages SET used_bytes = greatest(0, used_bytes + ?) WHERE id = ?"), { delta, id });
    return query ? Status() : Status(query.error());
}

Result<qint64> StorageRepo::ledgerBytes(qint64 id)
{
    auto row = m_db.queryRow(
        QStringLiteral("SELECT (SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) FROM users WHERE storage_id = ?) + "
                       "(SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) FROM claims WHERE storage_id = ?) + "
                       "(SELECT CAST(coalesce(sum(dest_accounted_bytes), 0) AS BIGINT) FROM jobs WHERE "
                       "to_storage_id = ?) + "
                       "(SELECT CAST(coalesce(sum(source_bytes), 0) AS BIGINT) FROM jobs WHERE from_storage_id = ?)"),
        { id, id, id, id });
    if (!row)
        return row.error();
    return row->value(0).toLongLong();
}

} // namespace pk
