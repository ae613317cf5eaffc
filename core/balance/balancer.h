#pragma once

// The balancing steps of the seed as one service over ConfigDb and the storages: detect (mark a
// full storage), scan, plan, approve or reject, and drain. The CLI calls it directly; the engine
// calls it on its timer for pools in automatic mode.

#include "balance/planner.h"
#include "balance/scanner.h"
#include "configdb/enginerecords.h"
#include "configdb/records.h"

namespace pk {

class ConfigDb;

struct DetectionResult
{
    bool unbalanced = false;
    QStringList marked; // storages marked by this call
    QStringList cleared; // storages whose mark was cleared
};

struct ApprovalResult
{
    qint64 planId = 0;
    QList<qint64> jobIds;
    QStringList notes; // moves skipped, and why
    int arrivals = 0; // drain: first backups writing to the storage now; the engine moves them once they arrive
};

class Balancer
{
public:
    // A mark clears only this far below the high watermark, so a storage at the edge does not flap.
    static constexpr double unmarkMarginPercent = 0.5;

    explicit Balancer(ConfigDb& db);

    Result<DetectionResult> detect(const PoolRecord& pool);
    Result<ScanReport> scan(const PoolRecord& pool, const std::atomic<bool>* stop = nullptr,
        const std::function<void(const ScanProgress&)>& progress = {});
    // Plans from the pool's latest scan (scanning first when there is none) and stores the plan
    // as proposed. Raises "Low Free Space Available" for a marked storage nothing can leave.
    Result<PlanRecord> plan(const PoolRecord& pool, const std::atomic<bool>* stop = nullptr);
    // Approves the pool's proposed plan, all of it (users empty) or some users; creates the jobs.
    Result<ApprovalResult> approve(const PoolRecord& pool, const QStringList& users = {});
    Status reject(const PoolRecord& pool);
    // Marks a storage draining and plans moving every user off it, approved at once.
    Result<ApprovalResult> drain(const QString& storageName, const std::atomic<bool>* stop = nullptr);

    // The planner's view of a pool: usage with the reservation ledger, and the movable users.
    Result<PlannerInput> plannerInput(const PoolRecord& pool, const ScanReport& scan, JobKind kind);

private:
    void logEvent(const StorageRecord& storage, const QString& event, const QString& message);
    Result<PlanRecord> planWith(const PoolRecord& pool, const ScanReport& scan, JobKind kind);

    ConfigDb& m_db;
};

} // namespace pk
