#include "sourcewalker.h"

#include "util/posixio.h"
#include "util/uniquefd.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

qint64 mtimeNs(const struct stat& st)
{
    return static_cast<qint64>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

class Walker
{
public:
    Walker(SourceTree& tree, const std::atomic<bool>* stop)
        : m_tree(tree)
        , m_stop(stop)
    { }

    // dirFd is owned by the caller; relative is the directory's path below the root ("" at the top).
    void walkDirectory(int dirFd, const QByteArray& absolute, const QByteArray& relative)
    {
        if (m_stop && m_stop->load())
            return;
        const int dupFd = ::dup(dirFd);
        DIR* dir = dupFd >= 0 ? ::fdopendir(dupFd) : nullptr;
        if (!dir) {
            if (dupFd >= 0)
                ::close(dupFd);
            warn(absolute, errno);
            return;
        }
        QList<QByteArray> names;
        errno = 0;
        while (dirent* entry = ::readdir(dir)) {
            const QByteArray name(entry->d_name);
            if (name != "." && name != "..")
                names.append(name);
        }
        ::closedir(dir);
        std::sort(names.begin(), names.end());

        for (const QByteArray& name : names) {
            const QByteArray childAbsolute = absolute + '/' + name;
            const QByteArray childRelative = relative.isEmpty() ? name : relative + '/' + name;
            struct stat st
            { };
            if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                warn(childAbsolute, errno);
                continue;
            }
            SourceEntry source;
            source.absolutePath = childAbsolute;
            source.entry.path = childRelative;
            source.entry.mode = st.st_mode & 07777;
            source.entry.mtimeNs = mtimeNs(st);
            if (S_ISREG(st.st_mode)) {
                source.entry.type = ManifestEntry::Type::File;
                source.entry.size = st.st_size;
                ++m_tree.fileCount;
                m_tree.totalBytes += st.st_size;
                m_tree.entries.append(std::move(source));
            } else if (S_ISLNK(st.st_mode)) {
                QByteArray target(4096, Qt::Uninitialized);
                const ssize_t length
                    = ::readlinkat(dirFd, name.constData(), target.data(), static_cast<size_t>(target.size()));
                if (length <= 0) {
                    warn(childAbsolute, errno);
                    continue;
                }
                target.truncate(length);
                source.entry.type = ManifestEntry::Type::Symlink;
                source.entry.linkTarget = target;
                m_tree.entries.append(std::move(source));
            } else if (S_ISDIR(st.st_mode)) {
                source.entry.type = ManifestEntry::Type::Directory;
                UniqueFd child(::openat(dirFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                m_tree.entries.append(std::move(source));
                if (!child) {
                    warn(childAbsolute, errno);
                    continue;
                }
                walkDirectory(child.get(), childAbsolute, childRelative);
            } else {
                m_tree.warnings.append(QStringLiteral("skipped '%1': not a regular file, directory or symlink")
                                           .arg(displayPath(childAbsolute)));
            }
        }
    }

private:
    void warn(const QByteArray& path, int errnum)
    {
        m_tree.warnings.append(
            QStringLiteral("cannot read '%1': %2; it was left out").arg(displayPath(path), posix::errorText(errnum)));
    }

    SourceTree& m_tree;
    const std::atomic<bool>* m_stop;
};

} // namespace

Result<SourceTree> SourceWalker::walk(const QString& root, const std::atomic<bool>* stop)
{
    const QByteArray encoded = QFile::encodeName(root);
    struct stat st
    { };
    if (::stat(encoded.constData(), &st) != 0)
        return errno == ENOENT ? notFound(QStringLiteral("backup source '%1' does not exist").arg(root))
                               : posix::ioError(QStringLiteral("read backup source"), root, errno);
    if (!S_ISDIR(st.st_mode))
        return failed(QStringLiteral("backup source '%1' is not a directory: give the directory to back up").arg(root));
    UniqueFd fd(::open(encoded.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return posix::ioError(QStringLiteral("read backup source"), root, errno);
    SourceTree tree;
    QByteArray absolute = encoded;
    while (absolute.size() > 1 && absolute.endsWith('/'))
        absolute.chop(1);
    Walker(tree, stop).walkDirectory(fd.get(), absolute == "/" ? QByteArray() : absolute, QByteArray());
    if (stop && stop->load())
        return failed(QStringLiteral("backup cancelled"));
    return tree;
}

} // namespace pk
