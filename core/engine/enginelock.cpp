#include "enginelock.h"

#include "configdb/configdb.h"
#include "configdb/enginerepo.h"
#include "master/workspace.h"
#include "util/posixio.h"

#include <QSysInfo>

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

Error heldBy(const EngineHolder& holder)
{
    return failed(QStringLiteral("another Poolkeeper engine (%1) is running jobs for this ConfigDb: it will run the "
                                 "approved jobs; stop it first to run them here")
                      .arg(holder.isNone() ? QStringLiteral("unknown process") : holder.describe()));
}

} // namespace

QString EngineHolder::describe() const
{
    if (host.isEmpty() || host == EngineLock::localHost())
        return QStringLiteral("process %1").arg(pid);
    return QStringLiteral("process %1 on %2").arg(pid).arg(host);
}

EngineLock::EngineLock() = default;
EngineLock::~EngineLock() = default;
EngineLock::EngineLock(EngineLock&&) noexcept = default;
EngineLock& EngineLock::operator=(EngineLock&&) noexcept = default;

QString EngineLock::path(const QString& workspaceDir)
{
    return workspaceDir + QStringLiteral("/engine.lock");
}

QString EngineLock::localHost()
{
    return QSysInfo::machineHostName();
}

Result<EngineLock> EngineLock::acquire(const QString& workspaceDir, const ConfigDbLocation& location)
{
    if (!location.isPostgres())
        return acquire(workspaceDir);
    auto session = ConfigDb::open(location, ConfigDb::OpenMode::MustExist);
    if (!session)
        return session.error();
    auto taken = EngineRepo(**session).tryTakeSessionLock(idleTimeoutMs);
    if (!taken)
        return taken.error();
    if (!*taken)
        return heldBy(holder(workspaceDir, **session));
    EngineLock lock;
    lock.m_session = std::move(*session);
    return lock;
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
        return heldBy({ localHost(), readPid(fd.get()) });
    }
    const QByteArray pid = QByteArray::number(::getpid()) + '\n';
    if (::ftruncate(fd.get(), 0) != 0
        || ::pwrite(fd.get(), pid.constData(), static_cast<size_t>(pid.size()), 0) != pid.size())
        return posix::ioError(QStringLiteral("write"), file, errno);
    EngineLock lock;
    lock.m_fd = std::move(fd);
    return lock;
}

EngineHolder EngineLock::holder(const QString& workspaceDir)
{
    auto location = Workspace::configDbLocation(workspaceDir);
    if (location && location->isPostgres()) {
        auto db = ConfigDb::open(*location, ConfigDb::OpenMode::MustExist);
        return db ? holder(workspaceDir, **db) : EngineHolder();
    }
    UniqueFd fd(::open(posix::encodePath(path(workspaceDir)).constData(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return {};
    // Probing with a shared lock: it succeeds only when nobody holds the exclusive one.
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
        ::flock(fd.get(), LOCK_UN);
        return {};
    }
    return { localHost(), readPid(fd.get()) };
}

EngineHolder EngineLock::holder(const QString& workspaceDir, ConfigDb& db)
{
    if (!db.isPostgres())
        return holder(workspaceDir);
    auto active = EngineRepo(db).active();
    if (!active || !active->has_value())
        return {};
    return { (*active)->host, (*active)->pid };
}

bool EngineLock::isHeld() const
{
    return m_fd.isValid() || m_session != nullptr;
}

Status EngineLock::heartbeat()
{
    if (!m_session)
        return {};
    // Never through a new connection: a reconnected session does not hold the lock.
    if (m_session->connectionLost()) {
        m_session.reset();
        return failed(QStringLiteral("the connection that held the engine lock is gone"));
    }
    if (auto ping = EngineRepo(*m_session).pingSession(); !ping) {
        m_session.reset();
        return ping;
    }
    return {};
}

void EngineLock::release()
{
    m_fd.reset();
    m_session.reset();
}

} // namespace pk
