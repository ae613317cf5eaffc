#include "jobrepo.h"

#include <QSet>

namespace pk {

namespace {

constexpr QLatin1String selectJob("SELECT j.id, j.kind, j.plan_id, j.user_id, u.name, u.uuid, f.pool_id, "
                                  "j.from_storage_id, f.name, j.to_storage_id, t.name, "
                                  "j.phase, j.state, j.bytes_done, j.bytes_total, j.reserved_bytes, "
                                  "j.dest_accounted_bytes, j.error, j.cancel_requested, "
                                  "j.owner_pid, j.created_ms, j.started_ms, j.updated_ms, j.finished_ms, "
                                  "j.source_bytes, j.cleanup_pending "
                                  "FROM jobs j JOIN users u ON u.id = j.user_id JOIN storages f ON f.id = "
                                  "j.from_storage_id JOIN storages t ON t.id = j.to_storage_id");

JobRecord jobFromQuery(const QSqlQuery& q)
{
    JobRecord job;
    job.id = q.value(0).toLongLong();
    job.kind = q.value(1).toString() == QLatin1String("drain") ? JobKind::Drain : JobKind::Balance;
    job.planId = q.value(2).toLongLong();
    job.userId = q.value(3).toLongLong();
    job.userName = q.value(4).toString();
    job.userUuid = q.value(5).toString();
    job.poolId = q.value(6).toLongLong();
    job.fromStorageId = q.value(7).toLongLong();
    job.fromName = q.value(8).toString();
    job.toStorageId = q.value(9).toLongLong();
    job.toName = q.value(10).toString();
    job.phase = jobPhaseFromString(q.value(11).toString()).value_or(JobPhase::Queued);
    job.state = jobStateFromString(q.value(12).toString()).value_or(JobState::Failed);
    job.bytesDone = q.value(13).toLongLong();
    job.bytesTotal = q.value(14).toLongLong();
    job.reservedBytes = q.value(15).toLongLong();
    job.destAccountedBytes = q.value(16).toLongLong();
    job.error = q.value(17).toString();
    job.cancelRequested = q.value(18).toBool();
    job.ownerPid = q.value(19).toLongLong();
    job.createdMs = q.value(20).toLongLong();
    job.startedMs = q.value(21).toLongLong();
    job.updatedMs = q.value(22).toLongLong();
    job.finishedMs = q.value(23).toLongLong();
    job.sourceBytes = q.value(24).toLongLong();
    job.cleanupPending = q.value(25).toBool();
    return job;
}

} // namespace

Result<qint64> JobRepo::create(
    JobKind kind, qint64 planId, qint64 userId, qint64 fromStorageId, qint64 toStorageId, qint64 reservedBytes)
{
    const qint64 now = nowMs();
    // ON CONFLICT: a failed statement would abort the caller's whole transaction on PostgreSQL,
    // and an approval goes on with the other users.
    auto insert = m_db.exec(
        QStringLiteral(
            "INSERT INTO jobs (kind, plan_id, user_id, from_storage_id, to_storage_id, reserved_bytes, bytes_total, "
            "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"),
        { toString(kind), planId > 0 ? QVariant(planId) : QVariant(QMetaType(QMetaType::LongLong)), userId,
            fromStorageId, toStorageId, reservedBytes, reservedBytes, now, now });
    if (!insert)
        return insert.error();
    if (!insert->next())
        return failed(QStringLiteral("the user already has a migration job in progress"));
    const qint64 id = insert->value(0).toLongLong();
    insert->finish();
    return id;
}

Result<JobRecord> JobRepo::byId(qint64 id)
{
    auto jobs = m_db.queryRows(selectJob + QStringLiteral(" WHERE j.id = ?"), { id }, jobFromQuery);
    if (!jobs)
        return jobs.error();
    if (jobs->isEmpty())
        return notFound(QStringLiteral("no job %1: see 'poolkeeper-cli jobs'").arg(id));
    return jobs->constFirst();
}

Result<qint64> JobRepo::changeStamp()
{
    auto row = m_db.queryRow(QStringLiteral("SELECT coalesce(max(updated_ms), 0) + count(*) FROM jobs"));
    if (!row)
        return row.error();
    return row->value(0).toLongLong();
}

Result<QList<JobRecord>> JobRepo::list(bool activeOnly, int limit)
{
    return m_db.queryRows(selectJob
            + (activeOnly ? QStringLiteral(" WHERE j.state IN ('pending', 'running')") : QString())
            + QStringLiteral(" ORDER BY j.id DESC LIMIT ?"),
        { limit }, jobFromQuery);
}

Result<QList<JobRecord>> JobRepo::activeForPool(qint64 poolId)
{
    return m_db.queryRows(
        selectJob + QStringLiteral(" WHERE j.state IN ('pending', 'running') AND f.pool_id = ? ORDER BY j.id"),
        { poolId }, jobFromQuery);
}

Result<QSet<qint64>> JobRepo::busyStorages()
{
    auto query = m_db.exec(QStringLiteral("SELECT from_storage_id, to_storage_id FROM jobs WHERE state = 'running'"));
    if (!query)
        return query.error();
    QSet<qint64> ids;
    while (query->next()) {
        ids.insert(query->value(0).toLongLong());
        ids.insert(query->value(1).toLongLong());
    }
    return ids;
}

QString JobRepo::fenceCondition() const
{
    return QStringLiteral(" AND (SELECT epoch FROM engine_epoch WHERE id = 1) = %1").arg(m_ownerEpoch);
}

Status JobRepo::updateJob(qint64 id, const QString& assignments, QVariantList values)
{
    QString sql = QStringLiteral("UPDATE jobs SET ") + assignments + QStringLiteral(" WHERE id = ?");
    values.append(id);
    if (m_ownerEpoch > 0)
        sql += QStringLiteral(" AND owner_epoch = %1").arg(m_ownerEpoch) + fenceCondition();
    auto query = m_db.exec(sql, values);
    if (!query)
        return query.error();
    if (m_ownerEpoch > 0 && query->numRowsAffected() == 0)
        return failed(QStringLiteral("job %1 is no longer this engine's: another engine took it over after this one "
                                     "lost the engine lock")
                          .arg(id));
    return {};
}

Status JobRepo::markRunning(qint64 id, qint64 ownerPid)
{
    const qint64 now = nowMs();
    QString sql = QStringLiteral("UPDATE jobs SET state = 'running', owner_pid = ?, owner_epoch = ?, started_ms = "
                                 "coalesce(started_ms, ?), updated_ms = ? WHERE id = ?");
    if (m_ownerEpoch > 0)
        sql += fenceCondition();
    auto query = m_db.exec(sql, { ownerPid, m_ownerEpoch, now, now, id });
    if (!query)
        return query.error();
    if (m_ownerEpoch > 0 && query->numRowsAffected() == 0)
        return failed(QStringLiteral("job %1 cannot be claimed: another engine took the engine lock").arg(id));
    return {};
}

Result<bool> JobRepo::stillOwned(qint64 id)
{
    if (m_ownerEpoch == 0)
        return true;
    auto row
        = m_db.queryRow(QStringLiteral("SELECT count(*) FROM jobs WHERE id = ? AND owner_epoch = ?") + fenceCondition(),
            { id, m_ownerEpoch });
    if (!row)
        return row.error();
    return !row->isEmpty() && row->value(0).toLongLong() == 1;
}

Status JobRepo::setPhase(qint64 id, JobPhase phase)
{
    return updateJob(id, QStringLiteral("phase = ?, updated_ms = ?"), { toString(phase), nowMs() });
}

Status JobRepo::setProgress(qint64 id, qint64 bytesDone, qint64 bytesTotal)
{
    return updateJob(
        id, QStringLiteral("bytes_done = ?, bytes_total = ?, updated_ms = ?"), { bytesDone, bytesTotal, nowMs() });
}

Status JobRepo::addDestAccounted(qint64 id, qint64 delta)
{
    return updateJob(id, QStringLiteral("dest_accounted_bytes = greatest(0, dest_accounted_bytes + ?), updated_ms = ?"),
        { delta, nowMs() });
}

Status JobRepo::finish(qint64 id, JobState state, JobPhase phase, const QString& error)
{
    const qint64 now = nowMs();
    // A null QString binds as SQL NULL; the column holds '' for "no error".
    return updateJob(id, QStringLiteral("state = ?, phase = ?, error = ?, finished_ms = ?, updated_ms = ?"),
        { toString(state), toString(phase), error.isNull() ? QStringLiteral("") : error, now, now });
}

Status JobRepo::requeue(qint64 id)
{
    // A job that is not running (finished meanwhile) stays as it is, fenced or not.
    return updateJob(id,
        QStringLiteral("state = CASE WHEN state = 'running' THEN 'pending' ELSE state END, owner_pid = "
                       "CASE WHEN state = 'running' THEN NULL ELSE owner_pid END, updated_ms = ?"),
        { nowMs() });
}

Result<bool> JobRepo::requestCancel(qint64 id)
{
    // One statement: a job that reaches the switch meanwhile is not marked (the switch itself
    // checks the flag in its transaction, so a cancel that is recorded always wins).
    auto query
        = m_db.exec(QStringLiteral("UPDATE jobs SET cancel_requested = 1, updated_ms = ? WHERE id = ? AND state "
                                   "IN ('pending', 'running') AND phase NOT IN ('unfreeze', 'compacting', 'done')"),
            { nowMs(), id });
    if (!query)
        return query.error();
    return query->numRowsAffected() == 1;
}

Result<bool> JobRepo::isCancelRequested(qint64 id)
{
    auto row = m_db.queryRow(QStringLiteral("SELECT cancel_requested FROM jobs WHERE id = ?"), { id });
    if (!row)
        return row.error();
    return !row->isEmpty() && row->value(0).toBool();
}

Result<qint64> JobRepo::lastMoveFinishedMs(qint64 userId)
{
    auto row = m_db.queryRow(
        QStringLiteral("SELECT max(finished_ms) FROM jobs WHERE user_id = ? AND state = 'done'"), { userId });
    if (!row)
        return row.error();
    return row->isEmpty() ? qint64(0) : row->value(0).toLongLong();
}

Status JobRepo::setError(qint64 id, const QString& error)
{
    return updateJob(
        id, QStringLiteral("error = ?, updated_ms = ?"), { error.isNull() ? QStringLiteral("") : error, nowMs() });
}

Status JobRepo::setCopyBooks(qint64 id, qint64 destAccountedBytes, qint64 sourceBytes, bool cleanupPending)
{
    return updateJob(id,
        QStringLiteral("dest_accounted_bytes = ?, source_bytes = ?, cleanup_pending = ?, updated_ms = ?"),
        { destAccountedBytes, sourceBytes, cleanupPending ? 1 : 0, nowMs() });
}

Result<qint64> JobRepo::adoptLeftovers(qint64 id, qint64 userId, qint64 toStorageId)
{
    qint64 adopted = 0;
    const Status status = m_db.transaction([&]() -> Status {
        auto sum = m_db.queryRow(
            QStringLiteral("SELECT CAST(coalesce(sum(dest_accounted_bytes), 0) AS BIGINT) FROM jobs WHERE "
                           "cleanup_pending = 1 AND user_id = ? AND to_storage_id = ? AND id <> ?"),
            { userId, toStorageId, id });
        if (!sum)
            return sum.error();
        adopted = sum->value(0).toLongLong();
        auto cleared
            = m_db.exec(QStringLiteral("UPDATE jobs SET dest_accounted_bytes = 0, cleanup_pending = 0 WHERE "
                                       "cleanup_pending = 1 AND user_id = ? AND to_storage_id = ? AND id <> ?"),
                { userId, toStorageId, id });
        if (!cleared)
            return cleared.error();
        return addDestAccounted(id, adopted);
    });
    if (!status)
        return status.error();
    return adopted;
}

Result<bool> JobRepo::accountsFor(qint64 storageId, const QString& userUuid)
{
    auto row = m_db.queryRow(
        QStringLiteral("SELECT count(*) FROM jobs j JOIN users u ON u.id = j.user_id WHERE u.uuid = ? AND ("
                       "(j.to_storage_id = ? AND (j.dest_accounted_bytes > 0 OR j.cleanup_pending = 1 OR "
                       "(j.state IN ('pending', 'running') AND j.phase NOT IN ('unfreeze', 'compacting', 'done')))) OR "
                       "(j.from_storage_id = ? AND (j.source_bytes > 0 OR (j.state IN ('pending', 'running') AND "
                       "j.phase IN ('unfreeze', 'compacting')))))"),
        { userUuid, storageId, storageId });
    if (!row)
        return row.error();
    return !row->isEmpty() && row->value(0).toLongLong() > 0;
}

Result<QList<JobRecord>> JobRepo::leftovers()
{
    return m_db.queryRows(selectJob + QStringLiteral(" WHERE j.cleanup_pending = 1 ORDER BY j.id"), {}, jobFromQuery);
}

} // namespace pk
