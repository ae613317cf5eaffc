#include "storagebooks.h"

#include "configdb/claimrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "master.h"
#include "storage/ownermodes.h"
#include "storage/userstore.h"
#include "util/failpoint.h"
#include "util/filelock.h"
#include "util/logging.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSet>

#include <unistd.h>

namespace pk {

namespace {

qint64 sumOf(const QList<ClaimRecord>& claims)
{
    qint64 sum = 0;
    for (const ClaimRecord& claim : claims)
        sum += claim.bytes;
    return sum;
}

// What narrowing modes to owner-only did, as rescan notes (the walk itself logs it too).
void addTighteningNotes(const Result<TighteningReport>& report, const QString& what, QStringList& notes)
{
    if (!report) {
        notes.append(QStringLiteral("cannot make %1 owner-only: %2").arg(what, report.message()));
        return;
    }
    if (report->tightened > 0)
        notes.append(QStringLiteral("tightened %1 entries of %2 to owner-only").arg(report->tightened).arg(what));
    if (report->problemCount > 0)
        notes.append(QStringLiteral("%1 entries of %2 could not be made owner-only; the first: %3")
                         .arg(report->problemCount)
                         .arg(what, report->problems.join(QLatin1String("; "))));
}

} // namespace

Result<QStringList> StorageBooks::recoverDirectory(const StorageRecord& storage, const QString& userUuid)
{
    ConfigDb& db = m_master.db();
    ClaimRepo claims(db);
    auto all = claims.forDirectory(storage.id, userUuid);
    if (!all)
        return all.error();
    QList<ClaimRecord> dead;
    for (const ClaimRecord& claim : std::as_const(*all)) {
        if (claim.kind == claimKind::backup && claim.ownerIsGone())
            dead.append(claim);
    }
    if (dead.isEmpty())
        return QStringList();
    auto root = m_master.openStorage(storage);
    if (!root)
        return root.error();
    const UserStore store(*root, userUuid);
    auto user = UserRepo(db).findByUuid(userUuid);
    if (!user)
        return user.error();
    QStringList notes;
    StorageRepo storages(db);
    if (user->has_value() && (*user)->storageId == storage.id) {
        // The user's directory holds its committed snapshots plus whatever the killed backup
        // wrote: the disk is the truth, and a snapshot whose manifest made it is kept.
        qint64 measured = 0;
        QList<SnapshotRecord> onDisk;
        if (store.exists()) {
            auto usage = store.diskUsage();
            if (!usage)
                return usage.error();
            measured = *usage;
            onDisk = store.snapshotRecords();
        }
        const Status status = db.transaction([&]() -> Status {
            auto fresh = UserRepo(db).byId((*user)->id);
            if (!fresh)
                return fresh.error();
            const qint64 counted = fresh->bytes + sumOf(dead);
            if (auto s = storages.adjustUsedBytes(storage.id, measured - counted); !s)
                return s;
            if (auto s = UserRepo(db).setBytes(fresh->id, measured); !s)
                return s;
            auto synced = UserRepo(db).syncSnapshots(*fresh, onDisk, true);
            if (!synced)
                return synced.error();
            notes.append(*synced);
            notes.append(QStringLiteral("user '%1' on '%2': settled an interrupted backup (%3 on disk, %4 counted)")
                             .arg(fresh->name, storage.name, formatBytes(measured), formatBytes(counted)));
            return claims.remove(dead);
        });
        if (!status)
            return status.error();
        return notes;
    }
    // A first backup that never reached ConfigDb (or a user that has left since): its
    // directory holds nothing anybody refers to. A copy that a job accounts for is not touched.
    auto jobs = JobRepo(db).accountsFor(storage.id, userUuid);
    if (!jobs)
        return jobs.error();
    if (*jobs)
        return notes;
    if (store.exists()) {
        if (auto status = store.remove(); !status)
            return status.error();
    }
    const Status status = db.transaction([&]() -> Status {
        if (auto s = storages.adjustUsedBytes(storage.id, -sumOf(dead)); !s)
            return s;
        return claims.remove(dead);
    });
    if (!status)
        return status.error();
    notes.append(QStringLiteral("'%1' on '%2': removed what an interrupted first backup left (%3 counted)")
                     .arg(store.dir(), storage.name, formatBytes(sumOf(dead))));
    return notes;
}

Result<QStringList> StorageBooks::recoverAbandonedWrites()
{
    ConfigDb& db = m_master.db();
    auto claims = ClaimRepo(db).list(claimKind::backup);
    if (!claims)
        return claims.error();
    QSet<QPair<qint64, QString>> directories;
    for (const ClaimRecord& claim : std::as_const(*claims)) {
        if (claim.ownerIsGone())
            directories.insert({ claim.storageId, claim.userUuid });
    }
    QStringList notes;
    for (const auto& [storageId, uuid] : std::as_const(directories)) {
        auto storage = StorageRepo(db).byId(storageId);
        if (!storage)
            continue;
        auto root = m_master.openStorage(*storage);
        if (!root)
            continue; // unreachable now: settled when it is back
        const UserStore store(*root, uuid);
        std::optional<FileLock> lock;
        if (store.exists()) {
            // Another backup of the user runs: it settles these claims itself before it writes.
            auto tried = FileLock::tryAcquire(store.backupLockPath(), FileLock::Mode::Exclusive);
            if (!tried || !tried->has_value())
                continue;
            lock = std::move(**tried);
        }
        auto recovered = recoverDirectory(*storage, uuid);
        if (!recovered) {
            qCWarning(lcMaster) << "cannot settle an interrupted backup on" << storage->name << ":"
                                << recovered.message();
            continue;
        }
        notes.append(*recovered);
    }
    return notes;
}

Result<RescanResult> StorageBooks::rescan(const QString& name, const std::atomic<bool>* stop)
{
    ConfigDb& db = m_master.db();
    StorageRepo storages(db);
    auto storage = storages.byName(name);
    if (!storage)
        return storage.error();
    auto busy = JobRepo(db).busyStorages();
    if (!busy)
        return busy.error();
    if (busy->contains(storage->id))
        return failed(QStringLiteral("storage '%1' takes part in a running migration: synchronization is paused until "
                                     "it ends; see 'poolkeeper-cli jobs'")
                          .arg(name));
    auto root = m_master.openStorage(*storage);
    if (!root)
        return root.error();
    root->removeStaleTemporaries();

    RescanResult result;
    // Rescan always walks (the engine's start only until a full pass left its marker): an operator
    // who widened modes by hand gets them narrowed again here.
    addTighteningNotes(OwnerModes::tightenStorage(*root, name, OwnerModes::Pass::Always),
        QStringLiteral("storage '%1'").arg(name), result.notes);
    addTighteningNotes(
        OwnerModes::tightenWorkspace(QFileInfo(db.path()).path()), QStringLiteral("the workspace"), result.notes);
    result.usedBytesBefore = storage->usedBytes;
    UserRepo users(db);
    ClaimRepo claims(db);
    QStringList dirs = QDir(root->usersDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    dirs.sort();
    QSet<QString> seen;
    for (const QString& dir : std::as_const(dirs)) {
        if (stop && stop->load())
            return failed(QStringLiteral("rescan of '%1' stopped; what it corrected so far is kept").arg(name));
        seen.insert(dir);
        const UserStore store(*root, dir);
        auto dirClaims = claims.forDirectory(storage->id, dir);
        if (!dirClaims)
            return dirClaims.error();
        const auto live = std::find_if(dirClaims->cbegin(), dirClaims->cend(),
            [](const ClaimRecord& c) { return c.kind == claimKind::backup && !c.ownerIsGone(); });
        if (live != dirClaims->cend()) {
            result.notes.append(QStringLiteral("'%1' is being written by a backup (process %2): counted by it")
                                    .arg(store.dir())
                                    .arg(live->ownerPid));
            continue;
        }
        // The writers' own lock: no backup of this user changes the directory or its rows while
        // it is counted.
        auto lock
            = FileLock::acquire(store.backupLockPath(), FileLock::Mode::Exclusive, std::chrono::milliseconds(-1), stop);
        if (!lock) {
            if (!store.exists())
                continue; // compacted meanwhile
            return lock.error();
        }
        failpoint("rescan-locked");
        auto recovered = recoverDirectory(*storage, dir);
        if (!recovered)
            return recovered.error();
        result.corrections += static_cast<int>(recovered->size());
        result.notes.append(*recovered);
        if (!store.exists())
            continue;
        auto measured = store.diskUsage();
        if (!measured)
            return measured.error();
        const QList<SnapshotRecord> onDisk = store.snapshotRecords();
        failpoint("rescan-listed");
        const Status status = db.transaction([&]() -> Status {
            // Copies and sources a migration job counts for itself are the job's to keep right.
            auto accounted = JobRepo(db).accountsFor(storage->id, dir);
            if (!accounted)
                return accounted.error();
            if (*accounted)
                return {};
            auto user = users.findByUuid(dir);
            if (!user)
                return user.error();
            if (user->has_value() && (*user)->storageId == storage->id) {
                const UserRecord& living = **user;
                ++result.users;
                if (living.bytes != *measured) {
                    if (auto s = storages.adjustUsedBytes(storage->id, *measured - living.bytes); !s)
                        return s;
                    if (auto s = users.setBytes(living.id, *measured); !s)
                        return s;
                    result.notes.append(QStringLiteral("user '%1': %2 on disk, ConfigDb counted %3: corrected")
                                            .arg(living.name, formatBytes(*measured), formatBytes(living.bytes)));
                    ++result.corrections;
                }
                auto synced = users.syncSnapshots(living, onDisk, true);
                if (!synced)
                    return synced.error();
                result.notes.append(*synced);
                result.corrections += static_cast<int>(synced->size());
                return {};
            }
            // Nobody owns the directory: it is counted (it takes space) but never removed here.
            auto orphanClaims = claims.forDirectory(storage->id, dir);
            if (!orphanClaims)
                return orphanClaims.error();
            qint64 counted = 0;
            for (const ClaimRecord& claim : std::as_const(*orphanClaims))
                counted += claim.kind == claimKind::orphan ? claim.bytes : 0;
            result.notes.append(QStringLiteral(
                "'%1' belongs to no user living on this storage (%2): an unfinished copy or an abandoned backup")
                                    .arg(store.dir(), formatBytes(*measured)));
            if (counted == *measured)
                return {};
            ++result.corrections;
            if (auto s = storages.adjustUsedBytes(storage->id, *measured - counted); !s)
                return s;
            return claims.setOrphan(storage->id, dir, *measured);
        });
        if (!status)
            return status.error();
    }

    // Users ConfigDb places here whose directory is missing keep their rows: rescan reports, it
    // never forgets a user. Their bytes are gone from the disk, so from the count too.
    auto living = users.list(storage->id);
    if (!living)
        return living.error();
    for (const UserRecord& user : std::as_const(*living)) {
        if (seen.contains(user.uuid))
            continue;
        result.notes.append(QStringLiteral(
            "user '%1' lives on this storage but its directory is missing: run 'poolkeeper-cli verify %1'")
                                .arg(user.name));
        if (user.bytes == 0)
            continue;
        const Status status = db.transaction([&]() -> Status {
            if (auto s = storages.adjustUsedBytes(storage->id, -user.bytes); !s)
                return s;
            return users.setBytes(user.id, 0);
        });
        if (!status)
            return status.error();
        ++result.corrections;
    }
    auto orphans = claims.list(claimKind::orphan, storage->id);
    if (!orphans)
        return orphans.error();
    for (const ClaimRecord& orphan : std::as_const(*orphans)) {
        if (seen.contains(orphan.userUuid))
            continue;
        const Status status = db.transaction([&]() -> Status {
            if (auto s = storages.adjustUsedBytes(storage->id, -orphan.bytes); !s)
                return s;
            return claims.close(orphan.id);
        });
        if (!status)
            return status.error();
        ++result.corrections;
    }

    // Every writer keeps used bytes and its ledger entry together; a difference is an old
    // version's drift or a bug, and the ledger (now matching the disk) wins.
    const Status checked = db.transaction([&]() -> Status {
        auto ledger = storages.ledgerBytes(storage->id);
        if (!ledger)
            return ledger.error();
        auto current = storages.byId(storage->id);
        if (!current)
            return current.error();
        result.usedBytesAfter = current->usedBytes;
        if (*ledger == current->usedBytes)
            return {};
        result.notes.append(QStringLiteral("used bytes (%1) did not match what users, claims and jobs hold (%2): "
                                           "corrected")
                                .arg(formatBytes(current->usedBytes), formatBytes(*ledger)));
        ++result.corrections;
        result.usedBytesAfter = *ledger;
        return storages.setUsedBytes(storage->id, *ledger);
    });
    if (!checked)
        return checked.error();
    return result;
}

} // namespace pk
