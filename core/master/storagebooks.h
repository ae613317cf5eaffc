#pragma once

// Keeps a storage's byte count true: settles what killed backups left behind, recounts a storage
// from its disk under the writers' own locks (rescan), and checks that used bytes equal the
// byte ledger (users, claims, copies in flight, sources awaiting compaction).

#include "configdb/records.h"
#include "util/result.h"

#include <QStringList>

#include <atomic>

namespace pk {

class Master;

struct RescanResult
{
    qint64 usedBytesBefore = 0;
    qint64 usedBytesAfter = 0;
    int users = 0;
    int corrections = 0; // changes made to ConfigDb; 0: its view of the storage was right
    QStringList notes; // what was corrected, orphan directories, missing users
};

class StorageBooks
{
public:
    explicit StorageBooks(Master& master)
        : m_master(master)
    { }

    // Settles the claims that killed backups left on one user directory: the bytes on disk
    // become the user's (and a snapshot written before the kill is recorded), or, for a user
    // that never reached ConfigDb, the directory goes. The caller holds the directory's backup
    // lock, so no backup of it runs. Returns what was done, for notes.
    Result<QStringList> recoverDirectory(const StorageRecord& storage, const QString& userUuid);
    // The same for every directory whose backup died and that nobody uses now.
    Result<QStringList> recoverAbandonedWrites();
    // Recounts a storage from disk, one user directory at a time under its backup lock, so that
    // backups of other users go on; then checks the ledger.
    Result<RescanResult> rescan(const QString& storageName, const std::atomic<bool>* stop = nullptr);

private:
    Master& m_master;
};

} // namespace pk
