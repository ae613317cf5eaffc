#pragma once

// The 80/70 rule: a pool is unbalanced when one storage is at or above the high watermark while
// another online storage is at or below the low watermark.

#include "storage/storageusage.h"

#include <QList>

namespace pk {

struct BalanceDetection
{
    bool unbalanced = false;
    QList<qint64> full; // storage ids at or above the high watermark
    QList<qint64> free; // online storage ids at or below the low watermark
};

class BalanceDetector
{
public:
    static BalanceDetection detect(const QList<StorageUsage>& storages, double highPercent, double lowPercent);
};

} // namespace pk
