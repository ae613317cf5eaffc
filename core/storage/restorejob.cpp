#include "restorejob.h"

#include "metadatarestorer.h"
#include "sparsefile.h"
#include "util/failpoint.h"
#include "util/parallelfor.h"
#include "util/posixio.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QThread>

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

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

    // Before a symlink is renamed over a name: without --force an existing entry is an error;
    // with it a directory in the way is removed (a rename replaces anything else atomically).
    Status clearDirectoryOrRefuse(int dirFd, const QByteArray& name, const QByteArray& path)
    {
        struct stat st
        { };
        if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return {};
        if (!m_force)
            return failed(QStringLiteral("'%1' already exists: use --force to replace it").arg(display(path)));
        if (!S_ISDIR(st.st_mode))
            return {};
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

namespace {

// What happened to each file of a restore; shared by the worker threads.
class FileOutcomes
{
public:
    void restored(qint64 bytes)
    {
        ++m_restored;
        m_bytes += bytes;
    }
    void leftAsItWas(const QByteArray& path, const QString& reason)
    {
        std::lock_guard lock(m_mutex);
        m_failed.append({ path, reason });
    }
    qint64 restoredFiles() const { return m_restored.load(); }
    qint64 bytes() const { return m_bytes.load(); }
    bool anyFailed() const
    {
        std::lock_guard lock(m_mutex);
        return !m_failed.isEmpty();
    }
    // "'a' (chunk ... has the wrong hash); 'b' (...)", at most a few named.
    QString describeFailures(int atMost) const
    {
        std::lock_guard lock(m_mutex);
        QStringList named;
        for (qsizetype i = 0; i < m_failed.size() && i < atMost; ++i)
            named.append(QStringLiteral("'%1' (%2)").arg(displayPath(m_failed.at(i).first), m_failed.at(i).second));
        if (m_failed.size() > atMost)
            named.append(QStringLiteral("and %1 more").arg(m_failed.size() - atMost));
        return named.join(QStringLiteral("; "));
    }
    qint64 failedFiles() const
    {
        std::lock_guard lock(m_mutex);
        return m_failed.size();
    }

private:
    mutable std::mutex m_mutex;
    QList<QPair<QByteArray, QString>> m_failed;
    std::atomic<qint64> m_restored { 0 };
    std::atomic<qint64> m_bytes { 0 };
};

// A hidden name in the same directory: a rename from it replaces the old entry atomically.
QByteArray temporaryNameInTarget()
{
    return QByteArrayLiteral(".pk-restore-") + posix::temporaryName().toLatin1();
}

// Makes a symlink, hard link, FIFO, socket or device under a temporary name. False when it cannot
// be made on this machine (a device without root): that is a warning, not an error.
Result<bool> createNode(
    TargetTree& tree, int dirFd, const QByteArray& temporary, const ManifestEntry& entry, MetadataRestorer& metadata)
{
    const QString display = tree.display(entry.path);
    int made = 0;
    switch (entry.type) {
    case ManifestEntry::Type::Symlink:
        made = ::symlinkat(entry.linkTarget.constData(), dirFd, temporary.constData());
        break;
    case ManifestEntry::Type::HardLink: {
        auto targetDir = tree.openDirectory(TargetTree::parentOf(entry.linkTarget), false);
        if (!targetDir)
            return targetDir.error();
        made = ::linkat(
            targetDir->get(), TargetTree::nameOf(entry.linkTarget).constData(), dirFd, temporary.constData(), 0);
        break;
    }
    case ManifestEntry::Type::Fifo:
        made = ::mknodat(dirFd, temporary.constData(), S_IFIFO | 0600, 0);
        break;
    case ManifestEntry::Type::Socket:
        made = ::mknodat(dirFd, temporary.constData(), S_IFSOCK | 0600, 0);
        break;
    case ManifestEntry::Type::CharDevice:
    case ManifestEntry::Type::BlockDevice:
        made = ::mknodat(dirFd, temporary.constData(),
            (entry.type == ManifestEntry::Type::CharDevice ? S_IFCHR : S_IFBLK) | 0600, static_cast<dev_t>(entry.rdev));
        if (made != 0 && errno == EPERM) {
            metadata.warn(
                QStringLiteral("device '%1' was not restored: only root can create device nodes").arg(display));
            return false;
        }
        break;
    case ManifestEntry::Type::File:
    case ManifestEntry::Type::Directory:
        return false;
    }
    if (made != 0)
        return posix::ioError(QStringLiteral("create"), display, errno);
    return true;
}

} // namespace

Result<RestoreResult> RestoreJob::run()
{
    // Checked before anything is written: the manifest's paths, the target, and that every chunk
    // the snapshot needs is in place with its size. Hashes are checked while files are written.
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (!isSafeRelativePath(entry.path))
            return failed(QStringLiteral("snapshot '%1' holds an unsafe path '%2': refusing to restore it")
                              .arg(m_manifest.snapshotId, displayPath(entry.path)));
    }
    const QFileInfo targetInfo(m_targetDir);
    if (targetInfo.exists() && !targetInfo.isDir())
        return failed(QStringLiteral("restore target '%1' is not a directory: give a directory").arg(m_targetDir));
    if (targetInfo.exists() && !m_options.force) {
        auto empty = isDirectoryEmpty(m_targetDir);
        if (!empty)
            return empty.error();
        if (!*empty)
            return failed(QStringLiteral("restore target '%1' is not empty: choose an empty directory or add --force")
                              .arg(m_targetDir));
    }
    {
        QSet<Digest> checked;
        for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
            for (const ChunkRef& chunk : entry.chunks) {
                if (checked.contains(chunk.hash))
                    continue;
                checked.insert(chunk.hash);
                if (auto status = m_store.checkChunk(chunk); !status)
                    return failed(QStringLiteral("snapshot %1 cannot be restored: %2 (file '%3'); nothing in '%4' "
                                                 "was changed; run 'poolkeeper-cli verify %5 --deep'")
                                      .arg(m_manifest.snapshotId, status.message(), displayPath(entry.path),
                                          m_targetDir, m_manifest.userName));
            }
        }
    }
    if (auto status = posix::makePath(m_targetDir); !status)
        return status.error();
    auto rootFd = posix::openDirectory(m_targetDir);
    if (!rootFd)
        return rootFd.error();
    TargetTree tree(rootFd->get(), m_targetDir, m_options.force);
    MetadataRestorer metadata(m_manifest, m_options.numericOwner);

    RestoreResult result;
    result.snapshotId = m_manifest.snapshotId;
    RestoreProgress progress;
    QList<const ManifestEntry*> files;
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (entry.type == ManifestEntry::Type::File) {
            files.append(&entry);
            progress.bytesTotal += entry.dataBytes();
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

    // 2. Files, in parallel. Each is written under a temporary name beside its final one, its
    // content verified chunk by chunk, and only then renamed over what was there: a damaged
    // chunk or an I/O error leaves the existing file exactly as it was.
    FileOutcomes outcomes;
    std::atomic<qint64> bytesDone { 0 };
    ParallelFor pool({ m_workers > 0 ? m_workers : qMax(2, QThread::idealThreadCount()) + 1, m_stop });
    // Each worker keeps the directory of its last file open: files come in manifest order.
    struct OpenParent
    {
        QByteArray path;
        UniqueFd fd;
    };
    std::vector<OpenParent> parents(static_cast<size_t>(pool.threads()));
    const Status ran = pool.run(
        files.size(),
        [&](qint64 index, int worker) -> Status {
            OpenParent& open = parents[static_cast<size_t>(worker)];
            const ManifestEntry& entry = *files.at(index);
            const QByteArray parent = TargetTree::parentOf(entry.path);
            if (!open.fd || parent != open.path) {
                auto fd = tree.openDirectory(parent, true);
                if (!fd)
                    return fd.error(); // the target cannot be written: the other files are not tried
                open.fd = std::move(*fd);
                open.path = parent;
            }
            const UniqueFd& parentFd = open.fd;
            const QByteArray name = TargetTree::nameOf(entry.path);
            const QByteArray temporary = temporaryNameInTarget();
            UniqueFd out(::openat(
                parentFd.get(), temporary.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!out)
                return posix::ioError(QStringLiteral("create a file in"), tree.display(parent), errno);
            Status dataStatus; // the snapshot's data is bad: this file is skipped, the others go on
            Status targetStatus; // the target cannot be written
            qint64 written = 0;
            SparseWriter writer(out.get(), entry.holes, entry.size);
            for (const ChunkRef& chunk : entry.chunks) {
                // Hashed and written straight from the mapping: one copy less than read().
                auto mapped = m_store.mapChunk(chunk, true);
                if (!mapped) {
                    dataStatus = mapped.error();
                    break;
                }
                targetStatus = writer.write(mapped->data(), mapped->size(), tree.display(entry.path));
                if (!targetStatus)
                    break;
                written += mapped->size();
                bytesDone += mapped->size();
                if (pool.cancelled())
                    break;
            }
            if (dataStatus && targetStatus && pool.cancelled())
                dataStatus = failed(QStringLiteral("stopped"));
            if (dataStatus && targetStatus)
                targetStatus = writer.finish(tree.display(entry.path));
            if (dataStatus && targetStatus)
                targetStatus = metadata.applyToFd(out.get(), entry, tree.display(entry.path));
            struct stat existing
            { };
            const bool replacing = ::fstatat(parentFd.get(), name.constData(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
            // A file that replaces another is durable before the old one goes.
            if (dataStatus && targetStatus && replacing)
                targetStatus = posix::fsyncFd(out.get(), tree.display(entry.path));
            out.reset();
            if (dataStatus && targetStatus && replacing && S_ISDIR(existing.st_mode)) {
                if (!m_options.force)
                    dataStatus = failed(
                        QStringLiteral("'%1' already exists: use --force to replace it").arg(tree.display(entry.path)));
                else
                    targetStatus = removeEntryAt(parentFd.get(), name, tree.display(entry.path));
            }
            if (dataStatus && targetStatus) {
                const int renamed = m_options.force
                    ? ::renameat(parentFd.get(), temporary.constData(), parentFd.get(), name.constData())
                    : ::renameat2(
                        parentFd.get(), temporary.constData(), parentFd.get(), name.constData(), RENAME_NOREPLACE);
                if (renamed != 0) {
                    if (errno == EEXIST)
                        dataStatus = failed(QStringLiteral("'%1' already exists: use --force to replace it")
                                                .arg(tree.display(entry.path)));
                    else
                        targetStatus = posix::ioError(QStringLiteral("rename into"), tree.display(entry.path), errno);
                }
            }
            if (dataStatus && targetStatus) {
                outcomes.restored(written);
                failpoint("restore-file");
                return {};
            }
            ::unlinkat(parentFd.get(), temporary.constData(), 0);
            outcomes.leftAsItWas(entry.path, !dataStatus ? dataStatus.message() : targetStatus.message());
            return targetStatus; // damaged data skips this file; a target that cannot be written stops all
        },
        [&]() -> Status {
            if (m_progress) {
                progress.filesDone = outcomes.restoredFiles();
                progress.bytesDone = bytesDone.load();
                m_progress(progress);
            }
            return {};
        });
    std::optional<Error> targetError;
    if (!ran)
        targetError = ran.error();
    result.files = outcomes.restoredFiles();
    result.bytes = outcomes.bytes();
    auto partial = [&](const QString& why) -> Error {
        const qint64 left = files.size() - outcomes.restoredFiles();
        QString message = QStringLiteral("the restore of snapshot %1 into '%2' is partial (%3): %4 of %5 files were "
                                         "restored, %6 left as they were")
                              .arg(m_manifest.snapshotId, m_targetDir, why)
                              .arg(outcomes.restoredFiles())
                              .arg(files.size())
                              .arg(left);
        if (outcomes.failedFiles() > 0)
            message += QStringLiteral("; not restored: ") + outcomes.describeFailures(10);
        return failed(message);
    };
    if (targetError)
        return partial(targetError->message);
    if (stopped())
        return partial(QStringLiteral("stopped"));
    if (outcomes.anyFailed())
        return partial(QStringLiteral("damaged data in the snapshot"));

    // 3. Hard links to the files just restored, then symlinks and special files: each made under
    // a temporary name, given its metadata and renamed over what was there.
    for (const ManifestEntry& entry : std::as_const(m_manifest.entries)) {
        if (entry.type == ManifestEntry::Type::File || entry.type == ManifestEntry::Type::Directory)
            continue;
        auto parentFd = tree.openDirectory(TargetTree::parentOf(entry.path), true);
        if (!parentFd)
            return parentFd.error();
        const QByteArray name = TargetTree::nameOf(entry.path);
        const QString display = tree.display(entry.path);
        if (auto status = tree.clearDirectoryOrRefuse(parentFd->get(), name, entry.path); !status)
            return status.error();
        const QByteArray temporary = temporaryNameInTarget();
        auto created = createNode(tree, parentFd->get(), temporary, entry, metadata);
        if (!created)
            return created.error();
        if (!*created)
            continue; // not possible here (a device without root): warned
        Status status;
        if (entry.type != ManifestEntry::Type::HardLink)
            status = metadata.applyAt(parentFd->get(), temporary, entry, display);
        if (status && ::renameat(parentFd->get(), temporary.constData(), parentFd->get(), name.constData()) != 0)
            status = posix::ioError(QStringLiteral("create"), display, errno);
        // A rename between two names of one inode does nothing: the temporary name must still go.
        ::unlinkat(parentFd->get(), temporary.constData(), 0);
        if (!status)
            return status.error();
        switch (entry.type) {
        case ManifestEntry::Type::Symlink:
            ++result.symlinks;
            break;
        case ManifestEntry::Type::HardLink:
            ++result.hardLinks;
            break;
        default:
            ++result.specialFiles;
        }
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
        if (auto status = metadata.applyToFd(fd->get(), *entry, tree.display(entry->path)); !status)
            return status.error();
    }

    if (::syncfs(rootFd->get()) != 0)
        return posix::ioError(QStringLiteral("sync"), m_targetDir, errno);
    result.warnings = metadata.warnings();
    if (m_progress) {
        progress.filesDone = progress.filesTotal;
        progress.bytesDone = result.bytes;
        m_progress(progress);
    }
    return result;
}

} // namespace pk
