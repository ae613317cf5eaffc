#include "enginelock.h"

#include "configdb/configdb.h"
#include "configdb/enginerepo.h"
#include "master/workspace.h"
#include "util/logging.h"
#include "util/posixio.h"

#include <QSysInfo>

#include <cerrno>
#include <condition_variable>
#include <fcntl.h>
#include <future>
#include <mutex>
#include <sys/file.h>
#include <thread>
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

// The PostgreSQL session that holds the lock, opened, pinged and closed by its own thread (a Qt
// Sql connection belongs to the thread that opened it).
class EngineLock::Keeper
{
public:
    Keeper(ConfigDbLocation location, QString workspaceDir, std::atomic<bool>* stopOnLoss, int hungAfterMs)
        : m_location(std::move(location))
        , m_workspaceDir(std::move(workspaceDir))
        , m_stopOnLoss(stopOnLoss)
        , m_hungAfterMs(hungAfterMs)
    { }
    ~Keeper()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable())
            m_thread.join();
    }
    Keeper(const Keeper&) = delete;
    Keeper& operator=(const Keeper&) = delete;

    // Returns once the thread holds the lock or knows why it cannot.
    Status start()
    {
        std::promise<Status> taken;
        std::future<Status> outcome = taken.get_future();
        m_thread = std::thread([this, taken = std::move(taken)]() mutable { run(taken); });
        return outcome.get();
    }

    Status checkIn()
    {
        m_lastCheckInMs = nowMs();
        const std::lock_guard lock(m_mutex);
        if (m_lost)
            return failed(m_lostReason);
        return {};
    }

private:
    void run(std::promise<Status>& taken)
    {
        auto session = ConfigDb::open(m_location, ConfigDb::OpenMode::MustExist);
        if (!session) {
            taken.set_value(session.error());
            return;
        }
        auto got = EngineRepo(**session).tryTakeSessionLock(idleTimeoutMs);
        if (!got || !*got) {
            taken.set_value(!got ? Status(got.error()) : Status(heldBy(holder(m_workspaceDir, **session))));
            return;
        }
        taken.set_value(Status());
        std::unique_lock lock(m_mutex);
        while (!m_quit) {
            m_wake.wait_for(lock, std::chrono::seconds(1));
            if (m_quit)
                break;
            Status alive;
            const qint64 lastCheckIn = m_lastCheckInMs;
            if (lastCheckIn > 0 && nowMs() - lastCheckIn > m_hungAfterMs) {
                // The engine's thread is stuck: a standby takes over, and this engine's jobs stop.
                alive = failed(QStringLiteral("the engine's thread did not check in for %1 s; the lock was let go")
                                   .arg(m_hungAfterMs / 1000.0));
                qCWarning(lcEngine).noquote() << alive.message();
            } else {
                lock.unlock();
                // Never through a new connection: a reconnected session does not hold the lock.
                alive = (*session)->connectionLost()
                    ? Status(failed(QStringLiteral("the connection that held the engine lock is gone")))
                    : EngineRepo(**session).pingSession();
                lock.lock();
            }
            if (!alive) {
                m_lost = true;
                m_lostReason = alive.message();
                if (m_stopOnLoss)
                    *m_stopOnLoss = true;
                break;
            }
        }
        lock.unlock();
        session->reset(); // closing the connection frees the lock at once
    }

    const ConfigDbLocation m_location;
    const QString m_workspaceDir;
    std::atomic<bool>* const m_stopOnLoss;
    const int m_hungAfterMs;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_quit = false;
    bool m_lost = false;
    QString m_lostReason;
    std::atomic<qint64> m_lastCheckInMs { 0 };
};

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

Result<EngineLock> EngineLock::acquire(
    const QString& workspaceDir, const ConfigDbLocation& location, std::atomic<bool>* stopOnLoss, int hungAfterMs)
{
    if (!location.isPostgres())
        return acquire(workspaceDir);
    auto keeper = std::make_unique<Keeper>(location, workspaceDir, stopOnLoss, hungAfterMs);
    if (auto taken = keeper->start(); !taken)
        return taken.error();
    EngineLock lock;
    lock.m_keeper = std::move(keeper);
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
    return m_fd.isValid() || m_keeper != nullptr;
}

Status EngineLock::heartbeat()
{
    if (!m_keeper)
        return {};
    if (auto held = m_keeper->checkIn(); !held) {
        m_keeper.reset();
        return held;
    }
    return {};
}

void EngineLock::release()
{
    m_fd.reset();
    m_keeper.reset();
}

} // namespace pk
