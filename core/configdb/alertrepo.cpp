#include "alertrepo.h"

namespace pk {

Result<bool> AlertRepo::raise(
    qint64 storageId, const QString& storageName, const QString& kind, const QString& message, qint64 jobId)
{
    auto insert
        = m_db.exec(QStringLiteral("INSERT INTO alerts (created_ms, storage_id, storage_name, kind, message, job_id) "
                                   "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
            { nowMs(), storageId > 0 ? QVariant(storageId) : QVariant(QMetaType(QMetaType::LongLong)), storageName,
                kind, message, jobId > 0 ? QVariant(jobId) : QVariant(QMetaType(QMetaType::LongLong)) });
    if (!insert)
        return insert.error();
    return insert->numRowsAffected() == 1;
}

Status AlertRepo::clear(qint64 storageId, const QString& kind)
{
    auto query
        = m_db.exec(QStringLiteral("UPDATE alerts SET active = 0 WHERE storage_id = ? AND kind = ? AND active = 1"),
            { storageId, kind });
    return query ? Status() : Status(query.error());
}

Status AlertRepo::acknowledge(qint64 id)
{
    auto query
        = m_db.exec(QStringLiteral("UPDATE alerts SET acknowledged_ms = ? WHERE id = ? AND acknowledged_ms IS NULL"),
            { nowMs(), id });
    if (!query)
        return query.error();
    return {};
}

Result<QList<AlertRecord>> AlertRepo::list(bool activeOnly, int limit)
{
    return m_db.queryRows(QStringLiteral("SELECT id, created_ms, storage_id, storage_name, kind, message, job_id, "
                                         "active, acknowledged_ms FROM alerts ")
            + (activeOnly ? QStringLiteral("WHERE active = 1 ") : QString())
            + QStringLiteral("ORDER BY id DESC LIMIT ?"),
        { limit }, [](const QSqlQuery& query) {
            AlertRecord alert;
            alert.id = query.value(0).toLongLong();
            alert.createdMs = query.value(1).toLongLong();
            alert.storageId = query.value(2).toLongLong();
            alert.storageName = query.value(3).toString();
            alert.kind = query.value(4).toString();
            alert.message = query.value(5).toString();
            alert.jobId = query.value(6).toLongLong();
            alert.active = query.value(7).toBool();
            alert.acknowledgedMs = query.value(8).toLongLong();
            return alert;
        });
}

} // namespace pk
