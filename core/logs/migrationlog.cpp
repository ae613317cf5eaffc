#include "migrationlog.h"

#include "archive/atomicfile.h"
#include "archive/gzip.h"
#include "logfmt.h"
#include "util/filelock.h"
#include "util/posixio.h"

#include <QDir>
#include <QFileInfo>
#include <QMutexLocker>
#include <QScopeGuard>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <map>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

constexpr std::chrono::seconds rotationRetryDelay { 60 };

struct RotatedFile
{
    int index = 0;
    bool compressed = false;
    QString name;
};

// "inSyncMigration.log.<N>" or "inSyncMigration.log.<N>.gz" with N >= 1, no sign or leading zero.
std::optional<RotatedFile> parseRotatedName(const QString& name)
{
    const QString prefix = MigrationLog::fileName() + u'.';
    if (!name.startsWith(prefix))
        return std::nullopt;
    QStringView rest = QStringView(name).mid(prefix.size());
    RotatedFile file;
    file.name = name;
    if (rest.endsWith(u".gz")) {
        file.compressed = true;
        rest.chop(3);
    }
    if (rest.isEmpty() || rest.size() > 6 || rest.front() == u'0')
        return std::nullopt;
    for (const QChar c : rest) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    file.index = rest.toInt();
    return file;
}

QList<RotatedFile> rotatedFiles(const QString& root)
{
    QList<RotatedFile> files;
    const QStringList names = QDir(root).entryList({ MigrationLog::fileName() + QStringLiteral(".*") }, QDir::Files);
    for (const QString& name : names) {
        if (auto file = parseRotatedName(name))
            files.append(*file);
    }
    // Oldest first: higher index first, and a compressed file before a plain one of its index.
    std::sort(files.begin(), files.end(), [](const RotatedFile& a, const RotatedFile& b) {
        return a.index != b.index ? a.index > b.index : a.compressed > b.compressed;
    });
    return files;
}

bool isRegularFile(const QString& path)
{
    struct stat st = {};
    return ::stat(posix::encodePath(path).constData(), &st) == 0 && S_ISREG(st.st_mode);
}

bool exists(const QString& path)
{
    struct stat st = {};
    return ::lstat(posix::encodePath(path).constData(), &st) == 0;
}

Status removeFile(const QString& path)
{
    if (::unlink(posix::encodePath(path).constData()) != 0 && errno != ENOENT)
        return posix::ioError(QStringLiteral("remove"), path, errno);
    return {};
}

Status renameFile(const QString& from, const QString& to)
{
    if (::rename(posix::encodePath(from).constData(), posix::encodePath(to).constData()) != 0)
        return posix::ioError(QStringLiteral("rename '%1' to").arg(from), to, errno);
    return {};
}

// Threads of one process queue on a mutex per log before they take the flock. FileLock has to
// poll (flock has no timed wait), and polling threads would take turns slowly and unfairly.
// The flock alone keeps the log correct; the mutex only makes waiting cheap.
QMutex* processMutexFor(const QString& logPath)
{
    static QMutex guard;
    static std::map<QString, std::unique_ptr<QMutex>> mutexes; // one per storage root: a handful
    QMutexLocker locker(&guard);
    std::unique_ptr<QMutex>& mutex = mutexes[logPath];
    if (!mutex)
        mutex = std::make_unique<QMutex>();
    return mutex.get();
}

Status fsyncFile(const QString& path)
{
    auto fd = posix::openReadOnly(path);
    if (!fd)
        return fd.error();
    return posix::fsyncFd(fd->get(), path);
}

} // namespace

MigrationLog::MigrationLog(QString storageRoot, Options options)
    : m_root(std::move(storageRoot))
    , m_options(options)
{
    m_options.keep = qMax(1, m_options.keep);
}

QString MigrationLog::fileName()
{
    return QStringLiteral("inSyncMigration.log");
}

QString MigrationLog::lockFileName()
{
    return QStringLiteral("inSyncMigration.log.lock");
}

QString MigrationLog::path() const
{
    return m_root + u'/' + fileName();
}

QString MigrationLog::rotatedPath(int index, bool compressed) const
{
    return path() + u'.' + QString::number(index) + (compressed ? QStringLiteral(".gz") : QString());
}

QStringList MigrationLog::files(const QString& storageRoot)
{
    QStringList paths;
    for (const RotatedFile& file : rotatedFiles(storageRoot))
        paths.append(storageRoot + u'/' + file.name);
    // A rotation compresses .1 into .2.gz before it removes .1: in between (or after a crash
    // there) both hold the same lines. .1 is the copy left out, as recoverLocked removes it.
    const QString plain = storageRoot + u'/' + fileName() + QStringLiteral(".1");
    const QString compressed = storageRoot + u'/' + fileName() + QStringLiteral(".2.gz");
    if (paths.contains(plain) && paths.contains(compressed)) {
        // An error (one of them gone meanwhile, a damaged .2.gz) keeps both: nothing is hidden.
        if (auto same = isGzipOf(compressed, plain); same && *same)
            paths.removeOne(plain);
    }
    const QString current = storageRoot + u'/' + fileName();
    if (isRegularFile(current))
        paths.append(current);
    return paths;
}

Status MigrationLog::rotationStatus() const
{
    QMutexLocker locker(&m_mutex);
    return m_rotationStatus;
}

Status MigrationLog::append(const LogRecord& record)
{
    return appendLines({ record });
}

Status MigrationLog::appendLines(const QList<LogRecord>& records)
{
    if (records.isEmpty())
        return {};
    QByteArray lines;
    for (const LogRecord& record : records) {
        if (auto status = Logfmt::validate(record); !status)
            return status;
        Logfmt::formatTo(lines, record);
    }
    return write(lines);
}

Status MigrationLog::write(const QByteArray& lines)
{
    const QFileInfo root(m_root);
    if (!root.exists())
        return notFound(
            QStringLiteral("storage root '%1' does not exist: the migration log cannot be written; check that "
                           "the storage is mounted")
                .arg(m_root));
    if (!root.isDir())
        return failed(
            QStringLiteral("storage root '%1' is not a directory: the migration log cannot be written").arg(m_root));

    const QDeadlineTimer deadline(m_options.lockTimeout);
    QMutex* processMutex = processMutexFor(path());
    if (!processMutex->tryLock(static_cast<int>(qMin<qint64>(m_options.lockTimeout.count(), INT_MAX))))
        return failed(
            QStringLiteral("cannot write the migration log in '%1': another thread held it for longer than %2 ms")
                .arg(m_root)
                .arg(m_options.lockTimeout.count()));
    const auto unlockProcessMutex = qScopeGuard([processMutex] { processMutex->unlock(); });
    auto lock = FileLock::acquire(m_root + u'/' + lockFileName(), FileLock::Mode::Exclusive,
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline.remainingTimeAsDuration()));
    if (!lock)
        return failed(QStringLiteral("cannot write the migration log in '%1': %2").arg(m_root, lock.message()));

    if (!m_recovered.exchange(true)) {
        if (auto status = recoverLocked(); !status) {
            QMutexLocker locker(&m_mutex);
            m_rotationStatus = status;
        }
    }

    if (m_options.rotateBytes > 0) {
        struct stat st = {};
        const bool full
            = ::stat(posix::encodePath(path()).constData(), &st) == 0 && st.st_size >= m_options.rotateBytes;
        QMutexLocker locker(&m_mutex);
        if (full && m_nextRotationTry.hasExpired()) {
            locker.unlock();
            const Status status = rotateLocked();
            locker.relock();
            m_rotationStatus = status;
            if (!status)
                m_nextRotationTry = QDeadlineTimer(rotationRetryDelay);
        }
    }

    // O_APPEND and one write: even a writer that ignores the lock cannot split a line.
    // O_NONBLOCK: a FIFO planted under the log's name must not stop a migration waiting for a
    // reader; it is refused below like any file that is not a regular one. 0640: the operators'
    // group may read the log, nobody else (rotation keeps the mode).
    UniqueFd fd(::open(posix::encodePath(path()).constData(),
        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640));
    if (!fd)
        return posix::ioError(QStringLiteral("open the migration log"), path(), errno);
    struct stat opened
    { };
    if (::fstat(fd.get(), &opened) != 0)
        return posix::ioError(QStringLiteral("stat the migration log"), path(), errno);
    if (!S_ISREG(opened.st_mode))
        return failed(QStringLiteral("the migration log '%1' is not a regular file but %2: move it away")
                          .arg(path(), posix::fileTypeName(opened.st_mode)));
    return posix::writeFull(fd.get(), lines.constData(), lines.size(), path());
}

Status MigrationLog::recoverLocked()
{
    // Under the lock nobody else is compressing: every temporary file here is a crash's leftover.
    const QStringList names = QDir(m_root).entryList(
        { u'.' + fileName() + QStringLiteral(".*.tmp") }, QDir::Files | QDir::Hidden | QDir::System);
    for (const QString& name : names) {
        const QString finalName = name.mid(1).section(u'.', 0, -3);
        if (finalName.startsWith(fileName()) && AtomicFile::isTemporaryNameFor(name, finalName)) {
            if (auto status = removeFile(m_root + u'/' + name); !status)
                return status;
        }
    }
    // A crash after .2.gz was renamed into place but before .1 was removed leaves the same lines
    // in both: the checksum in the gzip trailer tells.
    const QString plain = rotatedPath(1, false);
    const QString compressed = rotatedPath(2, true);
    if (exists(plain) && exists(compressed)) {
        auto same = isGzipOf(compressed, plain);
        if (!same)
            return same.error();
        if (*same)
            return removeFile(plain);
    }
    return {};
}

Status MigrationLog::rotateLocked()
{
    // Each step leaves every line under exactly one final name, whenever the process dies:
    // compressing goes through a temporary file, and .1 is removed only once .2.gz is in place.
    if (auto status = recoverLocked(); !status)
        return status;
    const int keep = m_options.keep;
    const QList<RotatedFile> rotated = rotatedFiles(m_root);
    // 1. Drop what would move beyond keep.
    for (const RotatedFile& file : rotated) {
        if (file.index >= keep) {
            if (auto status = removeFile(m_root + u'/' + file.name); !status)
                return status;
        }
    }
    // 2. .N.gz -> .N+1.gz, from the top down (rotated is sorted that way). Only the files that
    // exist: keep may be large.
    for (const RotatedFile& file : rotated) {
        if (file.compressed && file.index >= 2 && file.index < keep) {
            if (auto status = renameFile(m_root + u'/' + file.name, rotatedPath(file.index + 1, true)); !status)
                return status;
        }
    }
    // 3. .1 -> .2.gz (gone already when keep is 1).
    const QString first = rotatedPath(1, false);
    if (exists(first)) {
        if (auto status = gzipFile(first, rotatedPath(2, true)); !status)
            return status;
        if (auto status = removeFile(first); !status)
            return status;
    }
    // 4. current -> .1; the next append creates a new current file.
    if (auto status = fsyncFile(path()); !status)
        return status;
    if (auto status = renameFile(path(), first); !status)
        return status;
    return posix::fsyncDirectory(m_root);
}

} // namespace pk
