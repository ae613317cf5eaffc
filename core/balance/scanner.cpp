#include "scanner.h"

#include "configdb/jobrepo.h"
#include "configdb/scanrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "storage/consistencychecker.h"
#include "storage/storageusage.h"
#include "storage/userstore.h"
#include "util/sizes.h"
#include "watermark.h"

#include <QHash>

#include <cmath>

namespace pk {

Scanner::Scanner(ConfigDb& db)
    : m_db(db)
{ }

Result<ScanReport> Scanner::scan(const PoolRecord& pool, qint64 storageId)
{
    ConfigDb& db = m_db;
    auto storages = StorageRepo(db).list(pool.id);
    if (!storages)
        return storages.error();
    const QList<StorageUsage> usages = measureStorages(*storages);
    auto activeJobs = JobRepo(db).activeForPool(pool.id);
    if (!activeJobs)
        return activeJobs.error();
    QHash<qint64, qint64> activeJobOfUser;
    QHash<qint64, qint64> reservedOn;
    for (const JobRecord& job : std::as_const(*activeJobs)) {
        activeJobOfUser.insert(job.userId, job.id);
        reservedOn[job.toStorageId] += job.outstandingReservation();
    }

    QList<StorageUsage> sources;
    for (const StorageUsage& usage : usages) {
        const StorageState state = usage.effectiveState();
        const bool wanted = storageId > 0 ? usage.storage.id == storageId
                                          : (state == StorageState::Marked || state == StorageState::Draining);
        if (wanted)
            sources.append(usage);
    }

    ScanReport report;
    report.poolId = pool.id;
    report.poolName = pool.name;
    UserRepo users(db);
    QList<QPair<StorageUsage, UserRecord>> work;
    for (const StorageUsage& source : std::as_const(sources)) {
        auto living = users.list(source.storage.id);
        if (!living)
            return living.error();
        for (const UserRecord& user : std::as_const(*living))
            work.append({ source, user });
    }

    ScanProgress progress;
    progress.usersTotal = static_cast<int>(work.size());
    const qint64 now = nowMs();
    for (const auto& [source, user] : std::as_const(work)) {
        if (m_stop && m_stop->load())
            return failed(QStringLiteral("scan stopped"));
        progress.currentUser = user.name;
        if (m_progress)
            m_progress(progress);

        // The most room any destination has for this source: up to low when balancing, up to
        // just below high when draining.
        const bool draining = source.effectiveState() == StorageState::Draining;
        qint64 biggestRoom = 0;
        for (const StorageUsage& other : usages) {
            if (other.storage.id == source.storage.id || other.effectiveState() != StorageState::Online
                || other.capacityBytes <= 0)
                continue;
            const qint64 ceiling = draining ? watermark::bytesBelow(pool.highPercent, other.capacityBytes)
                                            : watermark::bytesAt(pool.lowPercent, other.capacityBytes);
            biggestRoom = qMax(biggestRoom,
                qMin(ceiling - other.storage.usedBytes - reservedOn.value(other.storage.id), other.roomBytes()));
        }

        ScanEntry entry;
        entry.userId = user.id;
        entry.userName = user.name;
        entry.storageId = source.storage.id;
        entry.storageName = source.storage.name;
        entry.bytes = user.bytes;
        entry.snapshots = user.snapshotCount;

        if (activeJobOfUser.contains(user.id)) {
            entry.reason = QStringLiteral("already being moved (job %1)").arg(activeJobOfUser.value(user.id));
        } else {
            auto store = UserStore::open(m_db, user);
            QString inconsistency;
            if (!store) {
                inconsistency = store.message();
            } else {
                ConsistencyChecker checker(*store);
                checker.setDeep(m_deep);
                checker.setStopFlag(m_stop);
                auto checked = checker.run();
                if (!checked)
                    return checked.error();
                if (!checked->consistent()) {
                    inconsistency = checked->problems.constFirst();
                    if (checked->problems.size() > 1)
                        inconsistency += QStringLiteral(" (and %1 more problems)").arg(checked->problems.size() - 1);
                }
            }
            bool backupRunning = false;
            if (store && inconsistency.isEmpty()) {
                auto lock = FileLock::tryAcquire(store->backupLockPath(), FileLock::Mode::Exclusive);
                backupRunning = lock && !lock->has_value();
            }
            auto lastMove = JobRepo(db).lastMoveFinishedMs(user.id);
            if (!lastMove)
                return lastMove.error();
            if (!inconsistency.isEmpty()) {
                entry.reason = QStringLiteral("inconsistent: %1").arg(inconsistency);
            } else if (backupRunning) {
                entry.reason = QStringLiteral("backup in progress");
            } else if (user.bytes > biggestRoom) {
                entry.reason = QStringLiteral("larger than any destination can take (%1; the most room is %2)")
                                   .arg(formatBytes(user.bytes), formatBytes(qMax<qint64>(0, biggestRoom)));
            } else if (!draining && *lastMove > 0 && now - *lastMove < recentMoveMs) {
                entry.reason = QStringLiteral("moved recently (%1 min ago): moving it again so soon could ping-pong")
                                   .arg((now - *lastMove) / 60000);
            } else {
                entry.candidate = true;
                entry.reason = QStringLiteral("consistent");
            }
        }
        report.entries.append(entry);
        ++progress.usersDone;
    }
    if (m_progress)
        m_progress(progress);
    return ScanRepo(db).save(report);
}

} // namespace pk
