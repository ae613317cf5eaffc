#pragma once

// Pools in ConfigDb: name, watermarks and balancing mode.

#include "configdb.h"
#include "records.h"

#include <QList>

namespace pk {

class PoolRepo
{
public:
    explicit PoolRepo(ConfigDb& db)
        : m_db(db)
    { }

    // Validates the watermarks (0-100, low < high) and the name before anything is written.
    Result<PoolRecord> add(const QString& name, double highPercent, double lowPercent, PoolMode mode);
    Result<QList<PoolRecord>> list();
    Result<PoolRecord> byName(const QString& name);
    Result<PoolRecord> byId(qint64 id);
    Status update(const PoolRecord& pool);

    static Status validateName(const QString& kind, const QString& name);
    static Status validateWatermarks(double highPercent, double lowPercent);

private:
    ConfigDb& m_db;
};

} // namespace pk
