#pragma once

// The scan of a pool's marked (or draining) storages: every user's consistency is checked
// (deeply, on every core) and each user is classified as a candidate for moving or not, with the
// reason: inconsistent (which problem), backup in progress, larger than any destination can take,
// moved recently, already moving.

#include "configdb/configdb.h"
#include "configdb/enginerecords.h"
#include "configdb/records.h"

#include <atomic>
#include <functional>

namespace pk {

class ConfigDb;

struct ScanProgress
{
    int usersDone = 0;
    int usersTotal = 0;
    QString currentUser;
};

class Scanner
{
public:
    // A user moved less than this long ago is not moved again (no ping-pong).
    static constexpr qint64 recentMoveMs = 24LL * 3600 * 1000;

    explicit Scanner(ConfigDb& db);

    void setDeep(bool deep) { m_deep = deep; }
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }
    void setProgressHandler(std::function<void(const ScanProgress&)> handler) { m_progress = std::move(handler); }

    // Scans the pool's storages in state marked or draining (or only storageId when given) and
    // stores the result in ConfigDb.
    Result<ScanReport> scan(const PoolRecord& pool, qint64 storageId = 0);

private:
    ConfigDb& m_db;
    bool m_deep = true;
    const std::atomic<bool>* m_stop = nullptr;
    std::function<void(const ScanProgress&)> m_progress;
};

} // namespace pk
