#include "restorejob.h"

#include "util/posixio.h"

#include <QDir>
#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace pk {

namespace {

timespec toTimespec(qint64 ns)
{
    timespec ts {};
    ts.tv_sec = static_cast<time_t>(ns / 1000000000LL);
    ts.tv_nsec = static_cast<long>(ns % 1000000000LL);
    if (ts.tv_nsec < 0) {
        ts.tv_nsec += 1000000000L;
        ts.tv_sec -= 1;
    }
    return ts;
}

Status removeEntryAt(int dirFd, const QByteArray& name, const QString& display)
{
    struct stat st
    { };
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? Status() : posix::ioError(QStringLiteral("stat"), display, errno);
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(dirFd, name.constData(), 0) != 0 && errno != ENOENT)
            return posix::ioError(QStringLiteral("replace"), display, errno);
        return {};
    }
    UniqueFd child(::openat(dirFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child)
        return posix::ioError(QStringLiteral("replace"), display, errno);
    QList<QByteArray> names;
    {
        const int dupFd = ::dup(child.get());
        DIR* dir = dupFd >= 0 ? ::fdopendir(dupFd) : nullptr;
        if (!dir) {
            if (dupFd >= 0)
                ::close(dupFd);
            return posix::ioError(QStringLiteral("read"), display, errno);
        }
        while (dirent* entry = ::readdir(dir)) {
            const QByteArray childName(entry->d_name);
            if (childName != "." && childName != "..")
                names.append(childName);
        }
        ::closedir(dir);
    }
    for (const QByteArray& childName : names) {
        if (auto status = removeEntryAt(child.get(), childName, display + u'/' + displayPath(childName)); !status)
            return status;
    }
    if (::unlinkat(dirFd, name.constData(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return posix::ioError(QStringLiteral("replace"), display, errno);
    return {};
}

// Resolves directories below the target strictly through descriptors, never following symlinks.
class TargetTree
{
public:
    TargetTree(int rootFd, QString rootDisplay, bool force)
        : m_rootFd(rootFd)
        , m_rootDisplay(std::move(rootDisplay))
        , m_force(force)
    { }

    QString display(const QByteArray& path) const { return m_rootDisplay + u'/' + displayPath(path); }

    // Opens (creating when needed) the directory at a relative path.
    Result<UniqueFd> openDirectory(const QByteArray& path, bool create)
    {
        UniqueFd current(::dup(m_rootFd));
        if (!current)
            return posix::ioError(QStringLiteral("open"), m_rootDisplay, errno);
        if (path.isEmpty())
            return current;
        QByteArray walked;
        for (const QByteArray& component : path.split('/')) {
            walked = walked.isEmpty() ? component : walked + '/' + component;
            UniqueFd next(
                ::openat(current.get(), component.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!next && create && (errno == ENOENT || ((errno == ENOTDIR || errno == ELOOP) && m_force))) {
                if (errno != ENOENT) {
                    if (auto status = removeEntryAt(current.get(), component, display(walked)); !status)
                        return status.error();
                }
                if (::mkdirat(current.get(), component.constData(), 0700) != 0 && errno != EEXIST)
                    return posix::ioError(QStringLiteral("create directory"), display(walked), errno);
                next.reset(
                    ::openat(current.get(), component.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            }
            if (!next) {
                if (errno == ENOTDIR || errno == ELOOP)
                    return failed(QStringLiteral("'%1' exists and is not a directory: use --force to replace it")
                                      .arg(display(walked)));
                return posix::ioError(QStringLiteral("open directory"), display(walked), errno);
            }
            current = std::move(next);
        }
        return current;
    }

    static QByteArray parentOf(const QByteArray& path)
    {
        const qsizetype slash = path.lastIndexOf('/');
        return slash < 0 ? QByteArray() : path.left(slash);
    }
    static QByteArray nameOf(const QByteArray& path)
    {
        const qsizetype slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.mid(slash + 1);
    }

    // Frees the name for a new file or symlink: with --force an existing entry is removed, without
    // it an existing entry is an error.
    Status clearName(int dirFd, const QByteArray& name, const QByteArray& path)
    {
        struct stat st
        { };
        if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return {};
        if (!m_force)
            return failed(QStringLiteral("'%1' already exists: use --force to replace it").arg(display(path)));
        return removeEntryAt(dirFd, name, display(path));
    }

private:
    int m_rootFd;
    QString m_rootDisplay;
    bool m_force;
};

Result<bool> isDirectoryEmpty(const QString& path)
{
    QDir dir(path);
    if (!dir.isReadable())
        return failed(QStringLiteral("cannot read restore target '%1'").arg(path));
    return dir.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
}

} // namespace

RestoreJob::RestoreJob(UserStore store, Manifest manifest, QString targetDir)
    : m_store(std::move(store))
    , m_manifest(std::move(manifest))
    , m_targetDir(std::move(targetDir))
{ }

Result<RestoreResult> RestoreJob::run()
{
    // Checked before anything is written.
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (!isSafeRelativePath(entry.path))
            return failed(QStringLiteral("snapshot '%1' holds an unsafe path '%2': refusing to restore it")
                              .arg(m_manifest.snapshotId, displayPath(entry.path)));
    }
    const QFileInfo targetInfo(m_targetDir);
    if (targetInfo.exists() && !targetInfo.isDir())
        return failed(QStringLiteral("restore target '%1' is not a directory: give a directory").arg(m_targetDir));
    if (targetInfo.exists() && !m_force) {
        auto empty = isDirectoryEmpty(m_targetDir);
        if (!empty)
            return empty.error();
        if (!*empty)
            return failed(QStringLiteral("restore target '%1' is not empty: choose an empty directory or add --force")
                              .arg(m_targetDir));
    }
    if (auto status = posix::makePath(m_targetDir); !status)
        return status.error();
    auto rootFd = posix::openDirectory(m_targetDir);
    if (!rootFd)
        return rootFd.error();
    TargetTree tree(rootFd->get(), m_targetDir, m_force);

    RestoreResult result;
    result.snapshotId = m_manifest.snapshotId;
    RestoreProgress progress;
    QList<const ManifestEntry*> files;
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (entry.type == ManifestEntry::Type::File) {
            files.append(&entry);
            progress.bytesTotal += entry.size;
        }
    }
    progress.filesTotal = files.size();
    auto stopped = [this] { return m_stop && m_stop->load(); };

    // 1. Directories, parents first.
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (entry.type != ManifestEntry::Type::Directory)
            continue;
        auto fd = tree.openDirectory(entry.path, true);
        if (!fd)
            return fd.error();
        ++result.directories;
    }

    // 2. Files, in parallel; big files are spread over the workers like small ones.
    std::mutex mutex;
    std::optional<Error> firstError;
    std::atomic<qint64> nextFile { 0 };
    std::atomic<qint64> filesDone { 0 };
    std::atomic<qint64> bytesDone { 0 };
    std::condition_variable doneCondition;
    const int workerCount = m_workers > 0 ? m_workers : qMax(2, QThread::idealThreadCount()) + 1;
    int active = workerCount;
    std::vector<std::thread> workers;
    for (int w = 0; w < workerCount; ++w) {
        workers.emplace_back([&] {
            QByteArray openParentPath;
            UniqueFd parentFd;
            auto fail = [&](const Error& error) {
                std::lock_guard lock(mutex);
                if (!firstError)
                    firstError = error;
            };
            for (;;) {
                const qint64 index = nextFile.fetch_add(1);
                {
                    std::lock_guard lock(mutex);
                    if (index >= files.size() || firstError || stopped())
                        break;
                }
                const ManifestEntry& entry = *files.at(index);
                const QByteArray parent = TargetTree::parentOf(entry.path);
                if (!parentFd || parent != openParentPath) {
                    auto fd = tree.openDirectory(parent, true);
                    if (!fd) {
                        fail(fd.error());
                        break;
                    }
                    parentFd = std::move(*fd);
                    openParentPath = parent;
                }
                const QByteArray name = TargetTree::nameOf(entry.path);
                if (auto status = tree.clearName(parentFd.get(), name, entry.path); !status) {
                    fail(status.error());
                    break;
                }
                UniqueFd out(::openat(
                    parentFd.get(), name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
                if (!out) {
                    fail(posix::ioError(QStringLiteral("create"), tree.display(entry.path), errno));
                    break;
                }
                Status status;
                for (const ChunkRef& chunk : entry.chunks) {
                    // Hashed and written straight from the mapping: one copy less than read().
                    auto mapped = m_store.mapChunk(chunk, true);
                    if (!mapped) {
                        status = failed(
                            QStringLiteral("cannot restore '%1': %2").arg(displayPath(entry.path), mapped.message()));
                        break;
                    }
                    status = posix::writeFull(out.get(), mapped->data(), mapped->size(), tree.display(entry.path));
                    if (!status)
                        break;
                    bytesDone += mapped->size();
                    if (stopped())
                        break;
                }
                if (status && ::fchmod(out.get(), entry.mode) != 0)
                    status = posix::ioError(QStringLiteral("set the mode of"), tree.display(entry.path), errno);
                const timespec times[2] = { toTimespec(entry.mtimeNs), toTimespec(entry.mtimeNs) };
                if (status && ::futimens(out.get(), times) != 0)
                    status = posix::ioError(QStringLiteral("set the time of"), tree.display(entry.path), errno);
                if (!status) {
                    fail(status.error());
                    break;
                }
                ++filesDone;
            }
            std::lock_guard lock(mutex);
            --active;
            doneCondition.notify_all();
        });
    }
    for (;;) {
        std::unique_lock lock(mutex);
        doneCondition.wait_for(lock, std::chrono::milliseconds(250), [&] { return active == 0; });
        if (active == 0)
            break;
        lock.unlock();
        if (m_progress) {
            progress.filesDone = filesDone.load();
            progress.bytesDone = bytesDone.load();
            m_progress(progress);
        }
    }
    for (auto& worker : workers)
        worker.join();
    if (firstError)
        return *firstError;
    if (stopped())
        return failed(QStringLiteral("restore cancelled; '%1' holds a partial restore").arg(m_targetDir));
    result.files = files.size();
    result.bytes = bytesDone.load();

    // 3. Symlinks.
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (entry.type != ManifestEntry::Type::Symlink)
            continue;
        auto parentFd = tree.openDirectory(TargetTree::parentOf(entry.path), true);
        if (!parentFd)
            return parentFd.error();
        const QByteArray name = TargetTree::nameOf(entry.path);
        if (auto status = tree.clearName(parentFd->get(), name, entry.path); !status)
            return status.error();
        if (::symlinkat(entry.linkTarget.constData(), parentFd->get(), name.constData()) != 0)
            return posix::ioError(QStringLiteral("create symlink"), tree.display(entry.path), errno);
        const timespec times[2] = { toTimespec(entry.mtimeNs), toTimespec(entry.mtimeNs) };
        ::utimensat(parentFd->get(), name.constData(), times, AT_SYMLINK_NOFOLLOW);
        ++result.symlinks;
    }

    // 4. Directory modes and times last, deepest first: writing into a directory changes its mtime.
    QList<const ManifestEntry*> directories;
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (entry.type == ManifestEntry::Type::Directory)
            directories.append(&entry);
    }
    std::sort(directories.begin(), directories.end(),
        [](const ManifestEntry* a, const ManifestEntry* b) { return a->path.count('/') > b->path.count('/'); });
    for (const ManifestEntry* entry : std::as_const(directories)) {
        auto fd = tree.openDirectory(entry->path, false);
        if (!fd)
            return fd.error();
        const timespec times[2] = { toTimespec(entry->mtimeNs), toTimespec(entry->mtimeNs) };
        if (::fchmod(fd->get(), entry->mode) != 0 || ::futimens(fd->get(), times) != 0)
            return posix::ioError(QStringLiteral("set the mode and time of"), tree.display(entry->path), errno);
    }

    if (::syncfs(rootFd->get()) != 0)
        return posix::ioError(QStringLiteral("sync"), m_targetDir, errno);
    if (m_progress) {
        progress.filesDone = progress.filesTotal;
        progress.bytesDone = result.bytes;
        m_progress(progress);
    }
    return result;
}

} // namespace pk
