#pragma once

// An advisory lock (flock) on a file, held until the object dies. flock locks belong to the open
// file, so two threads of one process exclude each other just like two processes do.

#include "result.h"
#include "uniquefd.h"

#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

namespace pk {

class FileLock
{
public:
    enum class Mode { Shared, Exclusive };

    FileLock() = default;
    FileLock(FileLock&&) noexcept = default;
    FileLock& operator=(FileLock&&) noexcept = default;

    // Waits until the lock is free, the timeout passes (negative: no limit) or *stop turns true.
    static Result<FileLock> acquire(const QString& path, Mode mode,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(-1), const std::atomic<bool>* stop = nullptr);
    // The same, asking shouldStop between attempts (a migration also polls for a cancel there).
    static Result<FileLock> acquire(
        const QString& path, Mode mode, std::chrono::milliseconds timeout, const std::function<bool()>& shouldStop);
    // Returns an empty optional when someone else holds the lock.
    static Result<std::optional<FileLock>> tryAcquire(const QString& path, Mode mode);

    bool isLocked() const { return m_fd.isValid(); }
    int fd() const { return m_fd.get(); }
    void release() { m_fd.reset(); }

private:
    explicit FileLock(UniqueFd fd)
        : m_fd(std::move(fd))
    { }
    UniqueFd m_fd;
};

} // namespace pk
