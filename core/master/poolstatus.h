#pragma once

// A pool as the console and `status` show it: settings, balance state and every storage's usage.

#include "configdb/records.h"
#include "storage/storageusage.h"

#include <QList>
#include <QMetaType>

namespace pk {

enum class PoolState { Balanced, Unbalanced, Migrating };
QString toString(PoolState state);

struct StorageStatus
{
    StorageUsage usage;
    int users = 0;
    bool paused = false; // compaction and synchronization paused while a migration touches it
};

struct PoolStatus
{
    PoolRecord pool;
    PoolState state = PoolState::Balanced;
    QList<StorageStatus> storages;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::PoolStatus)
