#pragma once

// One engine per workspace: an exclusive flock on <workspace>/engine.lock, with the holder's pid
// written inside so that a second engine can say who holds it. The kernel drops the lock when
// the process dies, so a crashed engine never blocks the next one.

#include "util/result.h"
#include "util/uniquefd.h"

#include <QString>

namespace pk {

class EngineLock
{
public:
    EngineLock() = default;
    EngineLock(EngineLock&&) noexcept = default;
    EngineLock& operator=(EngineLock&&) noexcept = default;

    static QString path(const QString& workspaceDir);
    // Fails with a message naming the pid of the holder when another engine runs.
    static Result<EngineLock> acquire(const QString& workspaceDir);
    // The pid of the engine holding the lock, or 0 when none does.
    static qint64 holder(const QString& workspaceDir);

    bool isHeld() const { return m_fd.isValid(); }
    void release() { m_fd.reset(); }

private:
    UniqueFd m_fd;
};

} // namespace pk
