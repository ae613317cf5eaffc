#include "ownermodes.h"

#include "configdb/configdb.h"
#include "logs/migrationlog.h"
#include "util/logging.h"
#include "util/posixio.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

// users/<uuid>/chunks/ab/<hash> is 5 levels deep, the trash 6: anything far deeper is not ours.
constexpr int maxTighteningDepth = 16;
constexpr int maxProblemsKept = 10;

// What an entry may keep for its group and others: nothing, or read access for a migration log
// (an operators' group may read it).
enum class ModeRule { OwnerOnly, GroupReadable };

// chmod that never follows a symlink. glibc emulates AT_SYMLINK_NOFOLLOW through an O_PATH
// descriptor (whose close, unlike a real open's, drops no POSIX lock: ConfigDb's stay) and says
// EOPNOTSUPP for a symlink, or when it cannot emulate it (no /proc): then the name is checked
// again and changed by name, a window that only the directory's owner could use. Returns 0 or
// the errno; ELOOP for a symlink.
int chmodWithoutFollowing(int dirFd, const char* name, mode_t mode)
{
    if (::fchmodat(dirFd, name, mode, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    if (errno != EOPNOTSUPP)
        return errno;
    struct stat st
    { };
    if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno;
    if (S_ISLNK(st.st_mode))
        return ELOOP;
    return ::fchmodat(dirFd, name, mode, 0) == 0 ? 0 : errno;
}

// Calls visit(directory descriptor, name) for every entry but "." and ".."; takes the descriptor.
Status forEachDirectoryEntry(UniqueFd fd, const QString& display, const std::function<void(int, const char*)>& visit)
{
    // On success the DIR owns the descriptor (closedir closes it); on failure it is still ours.
    DIR* dir = ::fdopendir(fd.get());
    if (!dir)
        return posix::ioError(QStringLiteral("read directory"), display, errno);
    fd.release();
    Status status;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir);
        if (!entry) {
            if (errno != 0)
                status = posix::ioError(QStringLiteral("read directory"), display, errno);
            break;
        }
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        visit(::dirfd(dir), entry->d_name);
    }
    ::closedir(dir);
    return status;
}

class ModeTightener
{
public:
    explicit ModeTightener(TighteningReport& report)
        : m_report(report)
    { }

    // The entry name of the directory dirFd. A symlink is neither followed nor changed; a
    // directory is narrowed through its own descriptor and, with recurse, walked; FIFOs,
    // sockets and devices are never Poolkeeper's and are left as they are.
    void entry(int dirFd, const char* name, const QString& display, ModeRule rule, bool recurse, int depth)
    {
        struct stat st
        { };
        if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) // ENOENT: removed meanwhile (compaction, a finished write)
                problem(QStringLiteral("stat"), display, errno);
            return;
        }
        if (S_ISDIR(st.st_mode)) {
            UniqueFd fd(::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd) {
                // Removed, or replaced by a symlink or a file since the stat.
                if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
                    problem(QStringLiteral("open directory"), display, errno);
                return;
            }
            directory(std::move(fd), display, recurse, depth);
            return;
        }
        if (!S_ISREG(st.st_mode))
            return;
        ++m_report.examined;
        const mode_t allowed = rule == ModeRule::GroupReadable ? 0740 : 0700;
        if ((st.st_mode & 0777 & ~allowed) == 0)
            return;
        const int error = chmodWithoutFollowing(dirFd, name, st.st_mode & allowed);
        if (error == 0)
            ++m_report.tightened;
        else if (error != ENOENT && error != ELOOP)
            problem(QStringLiteral("narrow the mode of"), display, error);
    }

    // A directory opened without following a symlink: narrowed to 0700, then walked.
    void directory(UniqueFd fd, const QString& display, bool recurse, int depth)
    {
        ++m_report.examined;
        struct stat st
        { };
        if (::fstat(fd.get(), &st) != 0) {
            problem(QStringLiteral("stat"), display, errno);
            return;
        }
        if ((st.st_mode & 077) != 0) {
            if (::fchmod(fd.get(), st.st_mode & 0700) == 0)
                ++m_report.tightened;
            else
                problem(QStringLiteral("narrow the mode of"), display, errno);
        }
        if (!recurse)
            return;
        if (depth >= maxTighteningDepth) {
            addProblem(QStringLiteral("'%1' is nested deeper than a storage's entries: not walked").arg(display));
            return;
        }
        const Status walked = forEachDirectoryEntry(std::move(fd), display, [&](int dirFd, const char* name) {
            entry(dirFd, name, display + u'/' + QFile::decodeName(name), ModeRule::OwnerOnly, true, depth + 1);
        });
        if (!walked)
            addProblem(walked.message());
    }

    void addProblem(const QString& message)
    {
        if (m_report.problemCount++ < maxProblemsKept)
            m_report.problems.append(message);
    }

private:
    void problem(const QString& what, const QString& display, int errnum)
    {
        addProblem(posix::ioError(what, display, errnum).message);
    }

    TighteningReport& m_report;
};

// "inSyncMigration.log", "inSyncMigration.log.<N>", "inSyncMigration.log.<N>.gz" and the
// temporary files a rotation writes them under (".inSyncMigration.log.2.gz.<pid>-<random>.tmp").
bool isMigrationLogFileName(const QString& name)
{
    const QString log = MigrationLog::fileName();
    if (name == log)
        return true;
    if (name.startsWith(u'.' + log + u'.') && name.endsWith(QLatin1String(".tmp")))
        return true;
    if (!name.startsWith(log + u'.'))
        return false;
    QStringView rest = QStringView(name).mid(log.size() + 1);
    if (rest.endsWith(u".gz"))
        rest.chop(3);
    return !rest.isEmpty() && std::all_of(rest.begin(), rest.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// What a storage root holds of Poolkeeper's, and the rule for it; nothing for anything else.
std::optional<ModeRule> storageEntryRule(const QString& name)
{
    if (name == QLatin1String(StorageRoot::identityFile) || name == QLatin1String("users")
        || name == QLatin1String(".poolkeeper") || name == MigrationLog::lockFileName()
        || name.startsWith(QLatin1String(".poolkeeper-probe-")))
        return ModeRule::OwnerOnly;
    if (isMigrationLogFileName(name))
        return ModeRule::GroupReadable;
    return std::nullopt;
}

QStringList workspaceFileNames()
{
    const QString db = QLatin1String(ConfigDb::fileName);
    // "engine.lock" is EngineLock::path's file, of a later layer.
    return { db, db + QStringLiteral("-wal"), db + QStringLiteral("-shm"), db + QStringLiteral("-journal"),
        QStringLiteral("engine.lock") };
}

void warnAboutProblems(const QLoggingCategory& category, const QString& what, const TighteningReport& report)
{
    if (report.problemCount == 0)
        return;
    qCWarning(category).noquote() << QStringLiteral("%1 entries of %2 could not be made owner-only; the first: %3")
                                         .arg(report.problemCount)
                                         .arg(what, report.problems.join(QLatin1String("; ")));
}

} // namespace

QString OwnerModes::markerPath(const StorageRoot& root)
{
    return root.path() + QStringLiteral("/.poolkeeper/owner-only");
}

bool OwnerModes::isMarked(const StorageRoot& root)
{
    struct stat st
    { };
    return ::lstat(posix::encodePath(markerPath(root)).constData(), &st) == 0 && S_ISREG(st.st_mode);
}

Status OwnerModes::writeMarker(const StorageRoot& root)
{
    if (auto status = posix::makePath(root.tmpDir()); !status)
        return status;
    return posix::writeFileAtomically(markerPath(root),
        QByteArrayLiteral("Everything Poolkeeper keeps in this storage is owner-only (directories 0700, files "
                          "0600, chunks 0400, inSyncMigration.log at most 0640).\n"),
        root.tmpDir());
}

Result<TighteningReport> OwnerModes::tightenStorage(const StorageRoot& root, const QString& storageName, Pass pass)
{
    TighteningReport report;
    if (pass == Pass::UnlessMarked && isMarked(root))
        return report;
    auto rootFd = posix::openDirectory(root.path());
    if (!rootFd)
        return rootFd.error();
    report.walked = true;
    ModeTightener tightener(report);
    const Status listed
        = forEachDirectoryEntry(std::move(*rootFd), root.path(), [&](int dirFd, const char* encodedName) {
              const QString name = QFile::decodeName(encodedName);
              if (const auto rule = storageEntryRule(name))
                  tightener.entry(dirFd, encodedName, root.path() + u'/' + name, *rule, true, 1);
          });
    if (!listed)
        tightener.addProblem(listed.message());

    if (report.tightened > 0) {
        const QString message = QStringLiteral("tightened %1 entries of storage '%2' to owner-only")
                                    .arg(report.tightened)
                                    .arg(storageName);
        qCInfo(lcStorage).noquote() << message;
        LogRecord record = LogRecord::now(LogLevel::Info, message);
        record.set(QString(logkey::event), QStringLiteral("privacy"));
        record.set(QStringLiteral("storage"), storageName);
        record.set(QStringLiteral("entries"), report.tightened);
        // The modes are narrowed already; only the line is lost.
        if (auto written = MigrationLog(root.path()).append(record); !written)
            qCWarning(lcStorage) << "a line of the migration log of" << storageName << "was lost:" << written.message();
    }
    warnAboutProblems(lcStorage(), QStringLiteral("storage '%1'").arg(storageName), report);
    if (report.problemCount == 0 && !isMarked(root)) {
        // Without the marker the next start walks again: slower, never wrong.
        if (auto marked = writeMarker(root); !marked)
            qCWarning(lcStorage) << "cannot mark storage" << storageName << "as owner-only:" << marked.message();
    }
    return report;
}

Result<TighteningReport> OwnerModes::tightenWorkspace(const QString& directory)
{
    TighteningReport report;
    auto dirFd = posix::openDirectory(directory);
    if (!dirFd)
        return dirFd.error();
    report.walked = true;
    ModeTightener tightener(report);
    const int fd = dirFd->get();
    for (const QString& name : workspaceFileNames())
        tightener.entry(
            fd, posix::encodePath(name).constData(), directory + u'/' + name, ModeRule::OwnerOnly, false, 1);
    tightener.directory(std::move(*dirFd), directory, false, 0);
    if (report.tightened > 0)
        qCInfo(lcMaster).noquote() << QStringLiteral("tightened %1 entries of workspace '%2' to owner-only")
                                          .arg(report.tightened)
                                          .arg(directory);
    warnAboutProblems(lcMaster(), QStringLiteral("workspace '%1'").arg(directory), report);
    return report;
}

} // namespace pk
