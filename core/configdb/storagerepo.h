#pragma once

// Storages in ConfigDb: where each lives on disk, its quota, state and bytes used.

#include "configdb.h"
#include "records.h"

#include <QList>

namespace pk {

class StorageRepo
{
public:
    explicit StorageRepo(ConfigDb& db)
        : m_db(db)
    { }

    Result<StorageRecord> add(qint64 poolId, const QString& name, const QString& rootPath, const QString& uuid,
        std::optional<qint64> quotaBytes);
    // All storages, or those of one pool (poolId > 0), ordered by pool then name.
    Result<QList<StorageRecord>> list(qint64 poolId = 0);
    Result<StorageRecord> byName(const QString& name);
    Result<StorageRecord> byId(qint64 id);
    // The storage registered on this canonical path, if any.
    Result<std::optional<StorageRecord>> byPath(const QString& rootPath);

    Status setState(qint64 id, StorageState state);
    Status setUsedBytes(qint64 id, qint64 bytes);
    // Adds delta (may be negative) to used bytes. With a quota and a positive delta, refuses
    // atomically when the sum would pass it: concurrent writers in other processes cannot
    // overshoot together. Returns false (and changes nothing) when refused.
    Result<bool> addUsedBytes(qint64 id, qint64 delta);
    // Adds delta without a quota check: bytes that are on the disk already (a correction, or
    // data that left). Never below zero.
    Status adjustUsedBytes(qint64 id, qint64 delta);
    // What the ledger says the storage holds: the users living there, the claims on it, the copies
    // moving there or left by a failed move, and sources switched away but not compacted yet.
    // Equal to used_bytes whenever every writer keeps its books (rescan checks it).
    Result<qint64> ledgerBytes(qint64 id);

private:
    ConfigDb& m_db;
};

} // namespace pk
