#include "filelock.h"

#include "posixio.h"

#include <QDeadlineTimer>
#include <QThread>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace pk {

namespace {

Result<UniqueFd> openLockFile(const QString& path)
{
    // O_NONBLOCK and O_NOFOLLOW: a FIFO or symlink planted under the lock's name is refused at
    // once instead of blocking the open or locking a file elsewhere.
    UniqueFd fd(
        ::open(posix::encodePath(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, 0600));
    if (!fd)
        return posix::ioError(QStringLiteral("open lock file"), path, errno);
    struct stat st
    { };
    if (::fstat(fd.get(), &st) != 0)
        return posix::ioError(QStringLiteral("stat lock file"), path, errno);
    if (!S_ISREG(st.st_mode))
        return failed(QStringLiteral("lock file '%1' is not a regular file but %2: remove it")
                          .arg(path, posix::fileTypeName(st.st_mode)));
    return fd;
}

} // namespace

Result<std::optional<FileLock>> FileLock::tryAcquire(const QString& path, Mode mode)
{
    auto fd = openLockFile(path);
    if (!fd)
        return fd.error();
    const int operation = (mode == Mode::Shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
    while (::flock(fd->get(), operation) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return std::optional<FileLock>();
        return posix::ioError(QStringLiteral("lock"), path, errno);
    }
    return std::optional<FileLock>(FileLock(std::move(*fd)));
}

Result<FileLock> FileLock::acquire(
    const QString& path, Mode mode, std::chrono::milliseconds timeout, const std::atomic<bool>* stop)
{
    return acquire(path, mode, timeout, std::function<bool()>([stop] { return stop && stop->load(); }));
}

Result<FileLock> FileLock::acquire(
    const QString& path, Mode mode, std::chrono::milliseconds timeout, const std::function<bool()>& shouldStop)
{
    // Opened once: polling with a fresh open(O_CREAT) would bring back a lock file that someone
    // is deleting together with its directory.
    auto fd = openLockFile(path);
    if (!fd)
        return fd.error();
    QDeadlineTimer deadline = timeout.count() < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(timeout);
    const int operation = (mode == Mode::Shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
    // flock has no timeout: poll with a short back-off so a stop request or deadline is seen.
    int sleepMs = 1;
    for (;;) {
        if (::flock(fd->get(), operation) == 0)
            return FileLock(std::move(*fd));
        if (errno != EWOULDBLOCK && errno != EINTR)
            return posix::ioError(QStringLiteral("lock"), path, errno);
        if (shouldStop && shouldStop())
            return failed(QStringLiteral("stopped while waiting for the lock '%1'").arg(path));
        if (deadline.hasExpired())
            return failed(QStringLiteral("timed out waiting for the lock '%1'").arg(path));
        QThread::msleep(static_cast<unsigned long>(sleepMs));
        sleepMs = qMin(sleepMs * 2, 50);
    }
}

} // namespace pk
