#include "balancedetector.h"

#include "watermark.h"

namespace pk {

BalanceDetection BalanceDetector::detect(const QList<StorageUsage>& storages, double highPercent, double lowPercent)
{
    BalanceDetection detection;
    for (const StorageUsage& usage : storages) {
        if (usage.capacityBytes <= 0 || !usage.reachable)
            continue;
        const qint64 used = usage.storage.usedBytes;
        const StorageState state = usage.effectiveState();
        if (watermark::isAtOrAbove(used, usage.capacityBytes, highPercent) && state != StorageState::Offline)
            detection.full.append(usage.storage.id);
        else if (watermark::isAtOrBelow(used, usage.capacityBytes, lowPercent) && state == StorageState::Online)
            detection.free.append(usage.storage.id);
    }
    detection.unbalanced = !detection.full.isEmpty() && !detection.free.isEmpty();
    return detection;
}

} // namespace pk
