#include "enginerepo.h"

#include "schema.h"

namespace pk {

namespace {

constexpr QLatin1String selectEngine(
    "SELECT id, host, pid, role, started_ms, since_ms, heartbeat_ms FROM engines WHERE heartbeat_ms > ?");

EngineRecord engineFromQuery(const QSqlQuery& query)
{
    EngineRecord engine;
    engine.id = query.value(0).toLongLong();
    engine.host = query.value(1).toString();
    engine.pid = query.value(2).toLongLong();
    engine.active = query.value(3).toString() == QLatin1String("active");
    engine.startedMs = query.value(4).toLongLong();
    engine.sinceMs = query.value(5).toLongLong();
    engine.heartbeatMs = query.value(6).toLongLong();
    return engine;
}

} // namespace

Result<qint64> EngineRepo::enroll(const QString& host, qint64 pid)
{
    const qint64 now = nowMs();
    return m_db.insert(QStringLiteral("INSERT INTO engines (host, pid, role, started_ms, since_ms, heartbeat_ms) "
                                      "VALUES (?, ?, 'standby', ?, ?, ?)"),
        { host, pid, now, now, now });
}

Status EngineRepo::setActive(qint64 id, bool active)
{
    const qint64 now = nowMs();
    return m_db.transaction([&]() -> Status {
        if (active) {
            // Whoever was active before lost the lock with its life or its connection; if it is
            // alive, its next heartbeat finds no row and it enrolls again as a standby.
            if (auto gone = m_db.exec(QStringLiteral("DELETE FROM engines WHERE role = 'active' AND id <> ?"), { id });
                !gone)
                return gone.error();
        }
        auto query
            = m_db.exec(QStringLiteral("UPDATE engines SET role = ?, since_ms = ?, heartbeat_ms = ? WHERE id = ?"),
                { active ? QStringLiteral("active") : QStringLiteral("standby"), now, now, id });
        if (!query)
            return query.error();
        if (query->numRowsAffected() == 1)
            return {};
        return notFound(QStringLiteral("engine %1 is not enrolled").arg(id));
    });
}

Status EngineRepo::heartbeat(qint64 id)
{
    auto query = m_db.execOwnRow(QStringLiteral("UPDATE engines SET heartbeat_ms = ? WHERE id = ?"), { nowMs(), id });
    if (!query)
        return query.error();
    if (query->numRowsAffected() != 1)
        return notFound(QStringLiteral("engine %1 is not enrolled (removed as dead?)").arg(id));
    return {};
}

Result<qint64> EngineRepo::nextEpoch()
{
    qint64 epoch = 0;
    const Status status = m_db.transaction([&]() -> Status {
        if (auto bumped = m_db.exec(QStringLiteral("UPDATE engine_epoch SET epoch = epoch + 1 WHERE id = 1")); !bumped)
            return bumped.error();
        auto row = m_db.queryRow(QStringLiteral("SELECT epoch FROM engine_epoch WHERE id = 1"));
        if (!row)
            return row.error();
        if (row->isEmpty())
            return failed(QStringLiteral("ConfigDb %1 has no engine epoch: its schema is damaged").arg(m_db.path()));
        epoch = row->value(0).toLongLong();
        return {};
    });
    if (!status)
        return status.error();
    return epoch;
}

Status EngineRepo::remove(qint64 id)
{
    auto query = m_db.exec(QStringLiteral("DELETE FROM engines WHERE id = ?"), { id });
    return query ? Status() : Status(query.error());
}

Status EngineRepo::removeStale()
{
    // Four times the limit: a slow machine's engine is shown as gone long before it is removed.
    auto query
        = m_db.exec(QStringLiteral("DELETE FROM engines WHERE heartbeat_ms < ?"), { nowMs() - 4 * staleAfterMs });
    return query ? Status() : Status(query.error());
}

Result<std::optional<EngineRecord>> EngineRepo::active()
{
    // On PostgreSQL the lock itself must be held too: a killed engine's row looks alive for a while.
    const QString lockHeld = m_db.isPostgres()
        ? QStringLiteral(" AND EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 "
                         "AND objid = %1 AND database = (SELECT oid FROM pg_database WHERE datname = "
                         "current_database()))")
              .arg(schema::engineLockKey)
        : QString();
    auto rows = m_db.queryRows(
        selectEngine + QStringLiteral(" AND role = 'active'") + lockHeld + QStringLiteral(" ORDER BY since_ms DESC"),
        { nowMs() - staleAfterMs }, engineFromQuery);
    if (!rows)
        return rows.error();
    if (rows->isEmpty())
        return std::optional<EngineRecord>();
    return std::optional<EngineRecord>(rows->constFirst());
}

Result<int> EngineRepo::standbyCount()
{
    auto row = m_db.queryRow(QStringLiteral("SELECT count(*) FROM engines WHERE role = 'standby' AND heartbeat_ms > ?"),
        { nowMs() - staleAfterMs });
    if (!row)
        return row.error();
    return row->value(0).toInt();
}

Result<bool> EngineRepo::tryTakeSessionLock(int idleTimeoutMs)
{
    if (!m_db.isPostgres())
        return failed(QStringLiteral("the engine's session lock is a PostgreSQL lock"));
    // The server watches the connection itself: keepalives every second after two idle ones,
    // and unacknowledged data for 4 s, end a session whose machine is gone; a session that
    // stays idle longer than idleTimeoutMs (its engine hung) is ended too. Both free the lock.
    const QStringList settings
        = { QStringLiteral("SET tcp_keepalives_idle = 2"), QStringLiteral("SET tcp_keepalives_interval = 1"),
              QStringLiteral("SET tcp_keepalives_count = 2"), QStringLiteral("SET tcp_user_timeout = 4000"),
              QStringLiteral("SET idle_session_timeout = %1").arg(idleTimeoutMs) };
    for (const QString& setting : settings) {
        if (auto set = m_db.exec(setting); !set)
            return set.error();
    }
    auto row = m_db.queryRow(QStringLiteral("SELECT pg_try_advisory_lock(%1)").arg(schema::engineLockKey));
    if (!row)
        return row.error();
    return row->value(0).toBool();
}

Status EngineRepo::pingSession()
{
    auto row = m_db.queryRow(QStringLiteral("SELECT 1"));
    return row ? Status() : Status(row.error());
}

} // namespace pk
