#pragma once

// One active engine per ConfigDb. On SQLite: an exclusive flock on <workspace>/engine.lock, with
// the holder's pid inside; the kernel drops it when the process dies. On PostgreSQL: a session
// advisory lock on a connection of its own, which the server drops when the holder dies, its
// machine vanishes or it stops beating (heartbeat()).

#include "configdb/configdblocation.h"
#include "util/result.h"
#include "util/uniquefd.h"

#include <QString>

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

    static QString path(const QString& workspaceDir);
    static QString localHost();
    // Fails with a message naming the holder when another engine runs.
    static Result<EngineLock> acquire(const QString& workspaceDir, const ConfigDbLocation& location);
    // The SQLite workspace's lock file only.
    static Result<EngineLock> acquire(const QString& workspaceDir);
    // The engine holding the lock of the workspace's ConfigDb (none when nobody does).
    static EngineHolder holder(const QString& workspaceDir);
    static EngineHolder holder(const QString& workspaceDir, ConfigDb& db);

    bool isHeld() const;
    // A round trip that keeps a PostgreSQL lock and proves it is still held; an error means it
    // is lost (the connection dropped): stop what the lock protects.
    Status heartbeat();
    void release();

private:
    UniqueFd m_fd;
    std::unique_ptr<ConfigDb> m_session;
};

} // namespace pk
