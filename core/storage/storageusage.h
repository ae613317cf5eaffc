#pragma once

// How full a storage is: used bytes from ConfigDb against its capacity (the quota, or the size
// of its filesystem when it has none), and whether it can be reached at all.

#include "configdb/records.h"

#include <QList>
#include <QMetaType>

namespace pk {

struct StorageUsage
{
    StorageRecord storage;
    qint64 capacityBytes = 0;
    qint64 freeOnFilesystem = 0;
    bool reachable = true; // its path is mounted and holds the expected storage.json
    bool measuredByEngine = false; // not reachable from here: the engine's latest sample says

    double usedPercent() const
    {
        return capacityBytes > 0 ? 100.0 * static_cast<double>(storage.usedBytes) / static_cast<double>(capacityBytes)
                                 : 0.0;
    }
    // The state the console shows: a storage that cannot be reached is offline whatever ConfigDb says.
    StorageState effectiveState() const { return reachable ? storage.state : StorageState::Offline; }
    // Bytes that may still be written before the quota or the filesystem is full.
    qint64 roomBytes() const;
};

StorageUsage measureStorage(const StorageRecord& storage);
QList<StorageUsage> measureStorages(const QList<StorageRecord>& storages);

} // namespace pk

Q_DECLARE_METATYPE(pk::StorageUsage)
