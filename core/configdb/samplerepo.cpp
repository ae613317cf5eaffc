#include "samplerepo.h"

namespace pk {

Status SampleRepo::add(const QList<CapacitySample>& samples)
{
    return m_db.transaction([&]() -> Status {
        for (const CapacitySample& sample : samples) {
            auto query = m_db.exec(QStringLiteral("INSERT INTO capacity_samples (storage_id, time_ms, used_bytes, "
                                                  "capacity_bytes, reachable) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                                                  "(storage_id, time_ms) DO UPDATE SET used_bytes = "
                                                  "excluded.used_bytes, capacity_bytes = excluded.capacity_bytes, "
                                                  "reachable = excluded.reachable"),
                { sample.storageId, sample.timeMs, sample.usedBytes, sample.capacityBytes, sample.reachable });
            if (!query)
                return query.error();
        }
        return {};
    });
}

namespace {

CapacitySample sampleFromQuery(const QSqlQuery& query)
{
    return CapacitySample { query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toLongLong(),
        query.value(3).toLongLong(), query.value(4).toLongLong() != 0 };
}

} // namespace

Result<QList<CapacitySample>> SampleRepo::range(qint64 storageId, qint64 fromMs, qint64 toMs)
{
    return m_db.queryRows(QStringLiteral("SELECT storage_id, time_ms, used_bytes, capacity_bytes, reachable FROM "
                                         "capacity_samples WHERE storage_id = ? AND time_ms BETWEEN ? AND ? "
                                         "ORDER BY time_ms"),
        { storageId, fromMs, toMs }, sampleFromQuery);
}

Result<std::optional<CapacitySample>> SampleRepo::latest(qint64 storageId, qint64 sinceMs)
{
    auto rows = m_db.queryRows(QStringLiteral("SELECT storage_id, time_ms, used_bytes, capacity_bytes, reachable FROM "
                                              "capacity_samples WHERE storage_id = ? AND time_ms >= ? ORDER BY "
                                              "time_ms DESC LIMIT 1"),
        { storageId, sinceMs }, sampleFromQuery);
    if (!rows)
        return rows.error();
    if (rows->isEmpty())
        return std::optional<CapacitySample>();
    return std::optional<CapacitySample>(rows->constFirst());
}

Status SampleRepo::thin(qint64 now)
{
    constexpr qint64 hour = 3'600'000;
    constexpr qint64 day = 24 * hour;
    // Within each bucket keep the newest sample only.
    auto thinBucket = [&](qint64 olderThan, qint64 newerThan, qint64 bucket) -> Status {
        auto query = m_db.exec(
            QStringLiteral(
                "DELETE FROM capacity_samples WHERE time_ms < ? AND time_ms >= ? AND time_ms NOT IN ("
                "SELECT max(time_ms) FROM capacity_samples c2 WHERE c2.storage_id = capacity_samples.storage_id "
                "AND c2.time_ms / ? = capacity_samples.time_ms / ?)"),
            { now - olderThan, now - newerThan, bucket, bucket });
        return query ? Status() : Status(query.error());
    };
    return m_db.transaction([&]() -> Status {
        if (auto s = thinBucket(hour, day, 60'000); !s)
            return s;
        return thinBucket(day, 3650 * day, hour);
    });
}

} // namespace pk
