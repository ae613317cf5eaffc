#pragma once

// One active engine per ConfigDb. On SQLite: an exclusive flock on <workspace>/engine.lock, with
// the holder's pid inside; the kernel drops it when the process dies. On PostgreSQL: a session
// advisory lock on a connection of its own, kept by a thread of its own that pings the server
// every second; the server drops the lock when the holder dies, its machine vanishes, or the
// pings stop (the whole process hung, or the thread that checks in with heartbeat() did).

#include "configdb/configdblocation.h"
#include "util/result.h"
#include "util/uniquefd.h"

#include <QString>

#include <atomic>
#include <memory>

namespace pk {

class ConfigDb;

// Who runs the jobs of a ConfigDb: nobody (pid 0), or an engine on a host.
struct EngineHolder
{
    QString host;
    qint64 pid = 0;

    bool isNone() const { return pid == 0; }
    // "process 1234" on this machine, "process 1234 on host-b" elsewhere.
    QString describe() const;
};

class EngineLock
{
public:
    EngineLock();
    ~EngineLock();
    EngineLock(EngineLock&&) noexcept;
    EngineLock& operator=(EngineLock&&) noexcept;

    // A standby's server drops the lock of an engine that has not beaten for this long.
    static constexpr int idleTimeoutMs = 8000;
    // The keeper lets the lock go when heartbeat() has not been called for this long: the engine's
    // thread is stuck, its jobs are told to stop, and another engine takes over (fencing keeps
    // this one's jobs out of what it took over).
    static constexpr int defaultHungAfterMs = 30000;

    static QString path(const QString& workspaceDir);
    static QString localHost();
    // Fails with a message naming the holder when another engine runs. When the PostgreSQL lock
    // is lost, the keeper sets *stopOnLoss at once (the jobs stop without waiting for the
    // engine's thread to notice).
    static Result<EngineLock> acquire(const QString& workspaceDir, const ConfigDbLocation& location,
        std::atomic<bool>* stopOnLoss = nullptr, int hungAfterMs = defaultHungAfterMs);
    // The SQLite workspace's lock file only.
    static Result<EngineLock> acquire(const QString& workspaceDir);
    // The engine holding the lock of the workspace's ConfigDb (none when nobody does).
    static EngineHolder holder(const QString& workspaceDir);
    static EngineHolder holder(const QString& workspaceDir, ConfigDb& db);

    bool isHeld() const;
    // The holder's thread checks in (from the first call on, the keeper expects it at least every
    // hungAfterMs); an error means the lock is lost: stop what it protects. Costs no round trip.
    Status heartbeat();
    void release();

private:
    class Keeper;

    UniqueFd m_fd;
    std::unique_ptr<Keeper> m_keeper;
};

} // namespace pk
