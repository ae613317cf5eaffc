#include "storageusage.h"

#include "storageroot.h"

namespace pk {

qint64 StorageUsage::roomBytes() const
{
    const qint64 quotaRoom = qMax<qint64>(0, capacityBytes - storage.usedBytes);
    return qMin(quotaRoom, freeOnFilesystem);
}

StorageUsage measureStorage(const StorageRecord& storage)
{
    StorageUsage usage;
    usage.storage = storage;
    auto identity = StorageRoot::readIdentity(storage.rootPath);
    usage.reachable = identity && identity->storageId == storage.uuid;
    auto space = filesystemSpace(storage.rootPath);
    if (space) {
        usage.freeOnFilesystem = space->availableBytes;
        usage.capacityBytes = storage.quotaBytes.value_or(space->totalBytes);
    } else {
        usage.reachable = false;
        usage.capacityBytes = storage.quotaBytes.value_or(0);
    }
    return usage;
}

QList<StorageUsage> measureStorages(const QList<StorageRecord>& storages)
{
    QList<StorageUsage> usages;
    usages.reserve(storages.size());
    for (const StorageRecord& storage : storages)
        usages.append(measureStorage(storage));
    return usages;
}

} // namespace pk
