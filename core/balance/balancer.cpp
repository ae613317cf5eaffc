#include "balancer.h"

#include "balance/balancedetector.h"
#include "balance/watermark.h"
#include "configdb/alertrepo.h"
#include "configdb/claimrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/planrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/scanrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "logs/migrationlog.h"
#include "storage/storageroot.h"
#include "util/logging.h"
#include "util/sizes.h"

#include <QHash>
#include <QSet>

namespace pk {

Balancer::Balancer(ConfigDb& db)
    : m_db(db)
{ }

void Balancer::logEvent(const StorageRecord& storage, const QString& event, const QString& message)
{
    LogRecord record = LogRecord::now(event == QLatin1String("alert") ? LogLevel::Warn : LogLevel::Info, message);
    record.set(QString(logkey::event), event);
    record.set(QStringLiteral("storage"), storage.name);
    record.set(QStringLiteral("pool"), storage.poolName);
    // Only onto a storage that really is this one (never write into a swapped path).
    // The event is in ConfigDb already (state, alert); a line the log could not take is reported
    // and the balance goes on.
    if (auto root = StorageRoot::open(storage)) {
        if (auto written = MigrationLog(root->path()).append(record); !written)
            qCWarning(lcLogs) << "a line of the migration log of" << storage.name << "was lost:" << written.message();
    }
}

Result<DetectionResult> Balancer::detect(const PoolRecord& pool)
{
    ConfigDb& db = m_db;
    StorageRepo repo(db);
    auto storages = repo.list(pool.id);
    if (!storages)
        return storages.error();
    const QList<StorageUsage> usages = measureStorages(*storages);
    const BalanceDetection detection = BalanceDetector::detect(usages, pool.highPercent, pool.lowPercent);
    DetectionResult result;
    result.unbalanced = detection.unbalanced;
    for (const StorageUsage& usage : usages) {
        const double percent = usage.usedPercent();
        if (usage.storage.state == StorageState::Online && detection.unbalanced
            && detection.full.contains(usage.storage.id)) {
            if (auto status = repo.setState(usage.storage.id, StorageState::Marked); !status)
                return status.error();
            result.marked.append(usage.storage.name);
            logEvent(usage.storage, QStringLiteral("marked"),
                QStringLiteral("%1 % used, at or above the high watermark of %2 % while another storage is at or below "
                               "%3 %: no new users, "
                               "users will be scanned and moved")
                    .arg(percent, 0, 'f', 1)
                    .arg(pool.highPercent)
                    .arg(pool.lowPercent));
        } else if (usage.storage.state == StorageState::Marked && usage.reachable
            && !watermark::isAtOrAbove(
                usage.storage.usedBytes, usage.capacityBytes, pool.highPercent - unmarkMarginPercent)) {
            // The alert first: if it cannot go, the storage stays marked and the next detection
            // tries both again (never an online storage with a stale alert).
            if (auto cleared = AlertRepo(db).clear(usage.storage.id, alertKind::lowFreeSpace); !cleared)
                return cleared.error();
            if (auto status = repo.setState(usage.storage.id, StorageState::Online); !status)
                return status.error();
            result.cleared.append(usage.storage.name);
            logEvent(usage.storage, QStringLiteral("unmarked"),
                QStringLiteral("%1 % used, back under the high watermark: takes new users again")
                    .arg(percent, 0, 'f', 1));
        }
    }
    return result;
}

Result<ScanReport> Balancer::scan(
    const PoolRecord& pool, const std::atomic<bool>* stop, const std::function<void(const ScanProgress&)>& progress)
{
    if (auto detected = detect(pool); !detected)
        return detected.error();
    Scanner scanner(m_db);
    scanner.setStopFlag(stop);
    if (progress)
        scanner.setProgressHandler(progress);
    auto report = scanner.scan(pool);
    if (!report)
        return report;
    // One line per scanned storage in its log.
    QHash<qint64, QPair<int, int>> counts; // storage -> (users, candidates)
    for (const ScanEntry& entry : std::as_const(report->entries)) {
        auto& count = counts[entry.storageId];
        ++count.first;
        count.second += entry.candidate ? 1 : 0;
    }
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (auto storage = StorageRepo(m_db).byId(it.key()))
            logEvent(*storage, QStringLiteral("scan"),
                QStringLiteral("scanned %1 users: %2 consistent and movable").arg(it->first).arg(it->second));
    }
    return report;
}

Result<PlannerInput> Balancer::plannerInput(const PoolRecord& pool, const ScanReport& scan, JobKind kind)
{
    ConfigDb& db = m_db;
    auto storages = StorageRepo(db).list(pool.id);
    if (!storages)
        return storages.error();
    auto jobs = JobRepo(db).activeForPool(pool.id);
    if (!jobs)
        return jobs.error();
    PlannerInput input;
    input.highPercent = pool.highPercent;
    input.lowPercent = pool.lowPercent;
    input.kind = kind;
    QHash<qint64, qint64> incoming;
    QHash<qint64, qint64> outgoing;
    QSet<qint64> moving;
    UserRepo users(db);
    for (const JobRecord& job : std::as_const(*jobs)) {
        incoming[job.toStorageId] += job.outstandingReservation();
        // After the switch the source copy waits for compaction: what leaves is what it counts.
        auto user = users.byId(job.userId);
        outgoing[job.fromStorageId] += job.isSwitched() ? job.sourceBytes : (user ? user->bytes : job.reservedBytes);
        moving.insert(job.userId);
    }
    for (const StorageUsage& usage : measureStorages(*storages)) {
        PlannerStorage storage;
        storage.id = usage.storage.id;
        storage.name = usage.storage.name;
        storage.capacityBytes = usage.capacityBytes;
        storage.usedBytes = usage.storage.usedBytes;
        storage.state = usage.effectiveState();
        storage.incomingReserved = incoming.value(storage.id);
        storage.outgoingBytes = outgoing.value(storage.id);
        input.storages.append(storage);
    }
    for (const ScanEntry& entry : scan.entries) {
        if (!entry.candidate || moving.contains(entry.userId))
            continue;
        auto user = users.byId(entry.userId);
        if (!user || user->storageId != entry.storageId)
            continue; // moved or gone since the scan
        input.candidates.append({ user->id, user->name, user->storageId, user->bytes });
    }
    return input;
}

Result<PlanRecord> Balancer::planWith(const PoolRecord& pool, const ScanReport& scan, JobKind kind)
{
    ConfigDb& db = m_db;
    auto input = plannerInput(pool, scan, kind);
    if (!input)
        return input.error();
    const PlannerOutput output = Planner::plan(*input);
    PlanRecord plan;
    plan.poolId = pool.id;
    plan.poolName = pool.name;
    plan.scanId = scan.id;
    plan.kind = kind;
    plan.moves = output.moves;
    plan.projected = output.projected;
    plan.summary = output.notes.join(u'\n');
    auto saved = PlanRepo(db).propose(plan);
    if (!saved)
        return saved.error();
    saved->poolName = pool.name;

    // "Low Free Space Available": a marked storage that no consistent user can leave.
    QSet<qint64> sourcesWithMoves;
    for (const PlannedMove& move : std::as_const(output.moves))
        sourcesWithMoves.insert(move.fromStorageId);
    for (qint64 stuck : output.stuckSources) {
        if (sourcesWithMoves.contains(stuck) && kind == JobKind::Balance)
            continue;
        auto storage = StorageRepo(db).byId(stuck);
        if (!storage)
            continue;
        QString why;
        for (const QString& note : output.notes) {
            if (note.startsWith(storage->name + u':'))
                why = note.mid(storage->name.size() + 2);
        }
        const QString message = QStringLiteral("Low Free Space Available on '%1': %2").arg(storage->name, why);
        auto raised = AlertRepo(db).raise(storage->id, storage->name, alertKind::lowFreeSpace, message);
        if (raised && *raised)
            logEvent(*storage, QStringLiteral("alert"), message);
    }
    return saved;
}

Result<PlanRecord> Balancer::plan(const PoolRecord& pool, const std::atomic<bool>* stop)
{
    auto latest = ScanRepo(m_db).latest(pool.id);
    if (!latest)
        return latest.error();
    if (latest->id == 0) {
        latest = scan(pool, stop);
        if (!latest)
            return latest.error();
    } else if (auto detected = detect(pool); !detected) {
        return detected.error();
    }
    return planWith(pool, *latest, JobKind::Balance);
}

Result<ApprovalResult> Balancer::approve(const PoolRecord& pool, const QStringList& users)
{
    ConfigDb& db = m_db;
    PlanRepo plans(db);
    auto plan = plans.pending(pool.id);
    if (!plan)
        return plan.error();
    if (plan->id == 0)
        return notFound(QStringLiteral("pool '%1' has no plan waiting for approval: run 'poolkeeper-cli plan %1' first")
                            .arg(pool.name));
    for (const QString& name : users) {
        const bool inPlan = std::any_of(
            plan->moves.cbegin(), plan->moves.cend(), [&](const PlannedMove& m) { return m.userName == name; });
        if (!inPlan)
            return notFound(QStringLiteral("user '%1' is not in the plan of pool '%2': see 'poolkeeper-cli plan %2'")
                                .arg(name, pool.name));
    }
    ApprovalResult result;
    result.planId = plan->id;
    const Status status = db.transaction([&]() -> Status {
        JobRepo jobs(db);
        UserRepo userRepo(db);
        for (const PlannedMove& move : std::as_const(plan->moves)) {
            if (!users.isEmpty() && !users.contains(move.userName))
                continue;
            auto user = userRepo.byId(move.userId);
            if (!user || user->storageId != move.fromStorageId) {
                result.notes.append(QStringLiteral("%1: no longer on '%2'; skipped").arg(move.userName, move.fromName));
                continue;
            }
            if (auto s = plans.setMoveApproved(plan->id, move.userId, true); !s)
                return s;
            auto job
                = jobs.create(plan->kind, plan->id, move.userId, move.fromStorageId, move.toStorageId, user->bytes);
            if (!job) {
                result.notes.append(QStringLiteral("%1: %2; skipped").arg(move.userName, job.message()));
                continue;
            }
            result.jobIds.append(*job);
        }
        return plans.setState(plan->id, PlanState::Approved);
    });
    if (!status)
        return status.error();
    return result;
}

Status Balancer::reject(const PoolRecord& pool)
{
    PlanRepo plans(m_db);
    auto plan = plans.pending(pool.id);
    if (!plan)
        return plan.error();
    if (plan->id == 0)
        return notFound(QStringLiteral("pool '%1' has no plan waiting for approval").arg(pool.name));
    return plans.setState(plan->id, PlanState::Rejected);
}

Result<ApprovalResult> Balancer::drain(const QString& storageName, const std::atomic<bool>* stop)
{
    ConfigDb& db = m_db;
    StorageRepo storages(db);
    auto storage = storages.byName(storageName);
    if (!storage)
        return storage.error();
    auto pool = PoolRepo(db).byId(storage->poolId);
    if (!pool)
        return pool.error();
    if (storage->state != StorageState::Draining) {
        if (auto status = storages.setState(storage->id, StorageState::Draining); !status)
            return status.error();
        logEvent(*storage, QStringLiteral("drain"),
            QStringLiteral("draining: no new users; every user moves to the other storages"));
    }
    Scanner scanner(m_db);
    scanner.setStopFlag(stop);
    auto report = scanner.scan(*pool, storage->id);
    if (!report)
        return report.error();
    auto plan = planWith(*pool, *report, JobKind::Drain);
    if (!plan)
        return plan.error();
    auto approved = approve(*pool);
    if (!approved)
        return approved.error();
    for (const ScanEntry& entry : std::as_const(report->entries)) {
        if (!entry.candidate)
            approved->notes.append(QStringLiteral("%1 cannot move: %2").arg(entry.userName, entry.reason));
    }
    // The state change above is committed: any first backup placed here from now on goes
    // elsewhere, and those placed before are in flight now, visible by their claims.
    auto arrivals = ClaimRepo(db).firstBackupsInFlight(storage->id);
    if (!arrivals)
        return arrivals.error();
    approved->arrivals = static_cast<int>(arrivals->size());
    if (approved->arrivals > 0)
        approved->notes.append(QStringLiteral("%1 new users are being backed up to '%2' right now: the engine moves "
                                              "them once their backup is done")
                                   .arg(approved->arrivals)
                                   .arg(storage->name));
    if (!plan->summary.isEmpty())
        approved->notes.append(plan->summary.split(u'\n'));
    return approved;
}

} // namespace pk
