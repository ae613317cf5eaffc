#include "scanrepo.h"

namespace pk {

Result<ScanReport> ScanRepo::save(const ScanReport& report)
{
    ScanReport saved = report;
    const Status status = m_db.transaction([&]() -> Status {
        saved.createdMs = nowMs();
        auto insert = m_db.insert(QStringLiteral("INSERT INTO scans (pool_id, created_ms) VALUES (?, ?)"),
            { report.poolId, saved.createdMs });
        if (!insert)
            return insert.error();
        saved.id = *insert;
        for (const ScanEntry& entry : report.entries) {
            auto row = m_db.exec(QStringLiteral("INSERT INTO scan_results (scan_id, user_id, storage_id, bytes, "
                                                "snapshots, candidate, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                { saved.id, entry.userId, entry.storageId, entry.bytes, entry.snapshots, entry.candidate,
                    entry.reason });
            if (!row)
                return row.error();
        }
        // Old scans are history nobody reads; keep the last few per pool.
        auto prune = m_db.exec(QStringLiteral("DELETE FROM scans WHERE pool_id = ? AND id NOT IN (SELECT id FROM scans "
                                              "WHERE pool_id = ? ORDER BY id DESC LIMIT 10)"),
            { report.poolId, report.poolId });
        return prune ? Status() : Status(prune.error());
    });
    if (!status)
        return status.error();
    return saved;
}

Result<ScanReport> ScanRepo::latest(qint64 poolId)
{
    ScanReport report;
    report.poolId = poolId;
    auto head = m_db.queryRow(QStringLiteral("SELECT s.id, s.created_ms, p.name FROM scans s JOIN pools p ON p.id = "
                                             "s.pool_id WHERE s.pool_id = ? ORDER BY s.id DESC LIMIT 1"),
        { poolId });
    if (!head)
        return head.error();
    if (head->isEmpty())
        return report;
    report.id = head->value(0).toLongLong();
    report.createdMs = head->value(1).toLongLong();
    report.poolName = head->value(2).toString();
    auto rows = m_db.exec(QStringLiteral("SELECT r.user_id, u.name, r.storage_id, s.name, r.bytes, r.snapshots, "
                                         "r.candidate, r.reason FROM scan_results r "
                                         "JOIN users u ON u.id = r.user_id JOIN storages s ON s.id = r.storage_id "
                                         "WHERE r.scan_id = ? ORDER BY s.name, u.name"),
        { report.id });
    if (!rows)
        return rows.error();
    while (rows->next()) {
        ScanEntry entry;
        entry.userId = rows->value(0).toLongLong();
        entry.userName = rows->value(1).toString();
        entry.storageId = rows->value(2).toLongLong();
        entry.storageName = rows->value(3).toString();
        entry.bytes = rows->value(4).toLongLong();
        entry.snapshots = rows->value(5).toInt();
        entry.candidate = rows->value(6).toBool();
        entry.reason = rows->value(7).toString();
        report.entries.append(entry);
    }
    return report;
}

} // namespace pk
