#include "poolrepo.h"

namespace pk {

namespace {

constexpr QLatin1String selectPool(
    "SELECT id, name, high_percent, low_percent, mode, max_rate_bytes, max_moves_out, max_moves_in FROM pools");

PoolRecord poolFromQuery(const QSqlQuery& query)
{
    PoolRecord pool;
    pool.id = query.value(0).toLongLong();
    pool.name = query.value(1).toString();
    pool.highPercent = query.value(2).toDouble();
    pool.lowPercent = query.value(3).toDouble();
    pool.mode = poolModeFromString(query.value(4).toString()).value_or(PoolMode::Review);
    pool.maxRateBytes = query.value(5).toLongLong();
    pool.maxMovesOut = query.value(6).toInt();
    pool.maxMovesIn = query.value(7).toInt();
    return pool;
}

} // namespace

Status PoolRepo::validateName(const QString& kind, const QString& name)
{
    if (name.trimmed().isEmpty())
        return usageError(QStringLiteral("the %1 name is empty: give a name").arg(kind));
    if (name.size() > 200)
        return usageError(QStringLiteral("the %1 name is longer than 200 characters").arg(kind));
    for (const QChar c : name) {
        if (c.category() == QChar::Other_Control)
            return usageError(
                QStringLiteral("the %1 name contains a control character: use printable characters").arg(kind));
    }
    return {};
}

Status PoolRepo::validateWatermarks(double highPercent, double lowPercent)
{
    if (highPercent <= 0.0 || highPercent > 100.0)
        return usageError(
            QStringLiteral("high watermark %1 is outside 0-100: give a percentage such as 80").arg(highPercent));
    if (lowPercent < 0.0 || lowPercent > 100.0)
        return usageError(
            QStringLiteral("low watermark %1 is outside 0-100: give a percentage such as 70").arg(lowPercent));
    if (lowPercent >= highPercent)
        return usageError(
            QStringLiteral("low watermark %1 must be below the high watermark %2").arg(lowPercent).arg(highPercent));
    return {};
}

Result<PoolRecord> PoolRepo::add(const QString& name, double highPercent, double lowPercent, PoolMode mode)
{
    if (auto status = validateName(QStringLiteral("pool"), name); !status)
        return status.error();
    if (auto status = validateWatermarks(highPercent, lowPercent); !status)
        return status.error();
    PoolRecord pool;
    const Status status = m_db.transaction([&]() -> Status {
        auto existing = m_db.queryRow(QStringLiteral("SELECT id FROM pools WHERE name = ?"), { name });
        if (!existing)
            return existing.error();
        if (!existing->isEmpty())
            return failed(QStringLiteral("pool '%1' already exists: choose another name").arg(name));
        auto insert = m_db.insert(
            QStringLiteral(
                "INSERT INTO pools (name, high_percent, low_percent, mode, created_ms) VALUES (?, ?, ?, ?, ?)"),
            { name, highPercent, lowPercent, toString(mode), nowMs() });
        if (!insert)
            return insert.error();
        pool.id = *insert;
        pool.name = name;
        pool.highPercent = highPercent;
        pool.lowPercent = lowPercent;
        pool.mode = mode;
        return {};
    });
    if (!status)
        return status.error();
    return pool;
}

Result<QList<PoolRecord>> PoolRepo::list()
{
    return m_db.queryRows(selectPool + QStringLiteral(" ORDER BY name"), {}, poolFromQuery);
}

Result<PoolRecord> PoolRepo::byName(const QString& name)
{
    auto query = m_db.exec(selectPool + QStringLiteral(" WHERE name = ?"), { name });
    if (!query)
        return query.error();
    if (!query->next())
        return notFound(QStringLiteral("no pool named '%1': see 'poolkeeper-cli pool list'").arg(name));
    return poolFromQuery(*query);
}

Result<PoolRecord> PoolRepo::byId(qint64 id)
{
    auto query = m_db.exec(selectPool + QStringLiteral(" WHERE id = ?"), { id });
    if (!query)
        return query.error();
    if (!query->next())
        return notFound(QStringLiteral("no pool with id %1").arg(id));
    return poolFromQuery(*query);
}

Status PoolRepo::update(const PoolRecord& pool)
{
    if (auto status = validateWatermarks(pool.highPercent, pool.lowPercent); !status)
        return status;
    if (pool.maxRateBytes < 0 || pool.maxMovesOut < 1 || pool.maxMovesIn < 1)
        return usageError(QStringLiteral("throttle settings must be positive (rate 0 means unlimited)"));
    auto query = m_db.exec(
        QStringLiteral(
            "UPDATE pools SET high_percent = ?, low_percent = ?, mode = ?, max_rate_bytes = ?, max_moves_out = ?, "
            "max_moves_in = ? WHERE id = ?"),
        { pool.highPercent, pool.lowPercent, toString(pool.mode), pool.maxRateBytes, pool.maxMovesOut, pool.maxMovesIn,
            pool.id });
    if (!query)
        return query.error();
    if (query->numRowsAffected() != 1)
        return notFound(QStringLiteral("no pool with id %1").arg(pool.id));
    return {};
}

} // namespace pk
