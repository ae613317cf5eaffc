#include "placement.h"

namespace pk {

Result<StorageUsage> Placement::chooseForNewUser(const QList<StorageUsage>& storages, const QString& poolName)
{
    const StorageUsage* best = nullptr;
    for (const StorageUsage& usage : storages) {
        if (usage.effectiveState() != StorageState::Online || usage.capacityBytes <= 0)
            continue;
        // Ties go to the lower id: placement must be deterministic.
        if (!best || usage.usedPercent() < best->usedPercent()
            || (usage.usedPercent() == best->usedPercent() && usage.storage.id < best->storage.id))
            best = &usage;
    }
    if (!best) {
        if (storages.isEmpty())
            return notFound(
                QStringLiteral("pool '%1' has no storage: add one with 'poolkeeper-cli storage add'").arg(poolName));
        return failed(QStringLiteral(
            "pool '%1' has no online storage that takes new users (all are marked, draining or offline): "
            "add a storage or rebalance the pool")
                          .arg(poolName));
    }
    return *best;
}

} // namespace pk
