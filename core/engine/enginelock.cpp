#include "enginelock.h"

#include "util/posixio.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace pk {

namespace {

qint64 readPid(int fd)
{
    char buffer[32] = {};
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    return n > 0 ? QByteArray(buffer, static_cast<qsizetype>(n)).trimmed().toLongLong() : 0;
}

} // namespace

QString EngineLock::path(const QString& workspaceDir)
{
    return workspaceDir + QStringLiteral("/engine.lock");
}

Result<EngineLock> EngineLock::acquire(const QString& workspaceDir)
{
    const QString file = path(workspaceDir);
    UniqueFd fd(::open(posix::encodePath(file).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        return posix::ioError(QStringLiteral("open the engine lock"), file, errno);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return posix::ioError(QStringLiteral("lock"), file, errno);
        const qint64 pid = readPid(fd.get());
        return failed(QStringLiteral(
            "another Poolkeeper engine (pid %1) is running jobs in this workspace: it will run the approved jobs; "
            "stop it first to run them here")
                          .arg(pid > 0 ? QString::number(pid) : QStringLiteral("unknown")));
    }
    const QByteArray pid = QByteArray::number(::getpid()) + '\n';
    if (::ftruncate(fd.get(), 0) != 0
        || ::pwrite(fd.get(), pid.constData(), static_cast<size_t>(pid.size()), 0) != pid.size())
        return posix::ioError(QStringLiteral("write"), file, errno);
    EngineLock lock;
    lock.m_fd = std::move(fd);
    return lock;
}

qint64 EngineLock::holder(const QString& workspaceDir)
{
    UniqueFd fd(::open(posix::encodePath(path(workspaceDir)).constData(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return 0;
    // Probing with a shared lock: it succeeds only when nobody holds the exclusive one.
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
        ::flock(fd.get(), LOCK_UN);
        return 0;
    }
    return readPid(fd.get());
}

} // namespace pk
