#pragma once

// The engines that serve a ConfigDb: each one enrolls with its host and pid, says whether it is
// the active one or a standby, and beats a heartbeat that tells a live engine from a dead one.
// On PostgreSQL it also holds the session advisory lock that makes one engine active.

#include "configdb.h"

#include <optional>

namespace pk {

struct EngineRecord
{
    qint64 id = 0;
    QString host;
    qint64 pid = 0;
    bool active = false;
    qint64 startedMs = 0;
    qint64 sinceMs = 0; // active or standby since
    qint64 heartbeatMs = 0;
};

class EngineRepo
{
public:
    // An engine whose heartbeat is older than this is taken for dead.
    static constexpr qint64 staleAfterMs = 15000;

    explicit EngineRepo(ConfigDb& db)
        : m_db(db)
    { }

    Result<qint64> enroll(const QString& host, qint64 pid);
    Status setActive(qint64 id, bool active);
    Status heartbeat(qint64 id);
    Status remove(qint64 id);
    // The next fencing epoch, drawn by an engine as it takes the lock (see JobRepo).
    Result<qint64> nextEpoch();
    // Rows of engines that died without removing themselves.
    Status removeStale();
    // The live active engine, if any.
    Result<std::optional<EngineRecord>> active();
    Result<int> standbyCount();

    // PostgreSQL only, on a connection used for nothing else. Prepares the session so that the
    // server drops it (and the lock) when its machine vanishes or its engine stops beating, then
    // tries the lock.
    Result<bool> tryTakeSessionLock(int idleTimeoutMs);
    // A round trip on that session: an error means the lock may be gone.
    Status pingSession();

private:
    ConfigDb& m_db;
};

} // namespace pk
