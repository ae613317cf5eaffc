#pragma once

// Capacity history in ConfigDb: one sample per storage every few seconds, thinned out as it ages
// so that a year of history stays small.

#include "configdb.h"
#include "enginerecords.h"

#include <optional>

namespace pk {

class SampleRepo
{
public:
    explicit SampleRepo(ConfigDb& db)
        : m_db(db)
    { }

    Status add(const QList<CapacitySample>& samples);
    // Samples of one storage in [fromMs, toMs], oldest first.
    Result<QList<CapacitySample>> range(qint64 storageId, qint64 fromMs, qint64 toMs);
    // The newest sample of a storage taken at or after sinceMs, if any.
    Result<std::optional<CapacitySample>> latest(qint64 storageId, qint64 sinceMs);
    // Keeps every sample of the last hour, one per minute for a day, one per hour beyond.
    Status thin(qint64 nowMs);

private:
    ConfigDb& m_db;
};

} // namespace pk
