#pragma once

// Scan results in ConfigDb: for every user on a marked storage, whether it may move and why not.

#include "configdb.h"
#include "enginerecords.h"

namespace pk {

class ScanRepo
{
public:
    explicit ScanRepo(ConfigDb& db)
        : m_db(db)
    { }

    // Stores a scan with its entries; returns it with its id and time.
    Result<ScanReport> save(const ScanReport& report);
    // The newest scan of a pool; an empty report (id 0) when there is none.
    Result<ScanReport> latest(qint64 poolId);

private:
    ConfigDb& m_db;
};

} // namespace pk
