#include "balancedetector.h"

namespace pk {

namespace {
// Used bytes over capacity is rarely an exact binary fraction: 80 % of 1000 bytes must count as 80.
constexpr double epsilon = 1e-9;
} // namespace

bool BalanceDetector::isAtOrAbove(double usedPercent, double watermark)
{
    return usedPercent >= watermark - epsilon;
}

bool BalanceDetector::isAtOrBelow(double usedPercent, double watermark)
{
    return usedPercent <= watermark + epsilon;
}

BalanceDetection BalanceDetector::detect(const QList<StorageUsage>& storages, double highPercent, double lowPercent)
{
    BalanceDetection detection;
    for (const StorageUsage& usage : storages) {
        if (usage.capacityBytes <= 0 || !usage.reachable)
            continue;
        const double percent = usage.usedPercent();
        const StorageState state = usage.effectiveState();
        if (isAtOrAbove(percent, highPercent) && state != StorageState::Offline)
            detection.full.append(usage.storage.id);
        else if (isAtOrBelow(percent, lowPercent) && state == StorageState::Online)
            detection.free.append(usage.storage.id);
    }
    detection.unbalanced = !detection.full.isEmpty() && !detection.free.isEmpty();
    return detection;
}

} // namespace pk
