#include "sourcewalker.h"

#include "util/posixio.h"
#include "util/uniquefd.h"

#include <QFile>
#include <QHash>

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>

namespace pk {

namespace {

qint64 mtimeNs(const struct stat& st)
{
    return static_cast<qint64>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

// Names of ids, looked up once each: a tree has few owners and many files.
class OwnerNames
{
public:
    Ownership of(const struct stat& st)
    {
        return Ownership { st.st_uid, st.st_gid, userName(st.st_uid), groupName(st.st_gid) };
    }

private:
    QByteArray userName(uid_t uid)
    {
        auto found = m_users.constFind(uid);
        if (found != m_users.cend())
            return *found;
        QByteArray name;
        passwd entry {};
        passwd* result = nullptr;
        std::vector<char> buffer(16384);
        if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &result) == 0 && result)
            name = result->pw_name;
        m_users.insert(uid, name);
        return name;
    }
    QByteArray groupName(gid_t gid)
    {
        auto found = m_groups.constFind(gid);
        if (found != m_groups.cend())
            return *found;
        QByteArray name;
        group entry {};
        group* result = nullptr;
        std::vector<char> buffer(16384);
        if (::getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &result) == 0 && result)
            name = result->gr_name;
        m_groups.insert(gid, name);
        return name;
    }

    QHash<uid_t, QByteArray> m_users;
    QHash<gid_t, QByteArray> m_groups;
};

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
            source.entry.owner = m_owners.of(st);
            if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
                // Later names of an inode become links to its first name.
                const auto inode = qMakePair(quint64(st.st_dev), quint64(st.st_ino));
                const auto first = m_firstNames.constFind(inode);
                if (first != m_firstNames.cend()) {
                    source.entry.type = ManifestEntry::Type::HardLink;
                    source.entry.linkTarget = *first;
                    source.entry.owner.reset();
                    m_tree.entries.append(std::move(source));
                    continue;
                }
                m_firstNames.insert(inode, childRelative);
            }
            readAttributes(source);
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
                // Recorded from the inode alone: a FIFO or a device is never opened.
                if (S_ISFIFO(st.st_mode))
                    source.entry.type = ManifestEntry::Type::Fifo;
                else if (S_ISSOCK(st.st_mode))
                    source.entry.type = ManifestEntry::Type::Socket;
                else if (S_ISCHR(st.st_mode))
                    source.entry.type = ManifestEntry::Type::CharDevice;
                else
                    source.entry.type = ManifestEntry::Type::BlockDevice;
                source.entry.rdev = st.st_rdev;
                m_tree.entries.append(std::move(source));
            }
        }
    }

private:
    // The attributes a snapshot keeps (see isKeptAttributeName); others (security.selinux...)
    // belong to the machine, not to the data.
    void readAttributes(SourceEntry& source)
    {
        const char* path = source.absolutePath.constData();
        QByteArray names;
        for (int attempt = 0; attempt < 4; ++attempt) {
            const ssize_t size = ::llistxattr(path, nullptr, 0);
            if (size <= 0) {
                if (size < 0 && errno != ENOTSUP)
                    warnAttribute(source.absolutePath, QByteArray(), errno);
                return;
            }
            names.resize(size);
            const ssize_t got = ::llistxattr(path, names.data(), static_cast<size_t>(names.size()));
            if (got >= 0) {
                names.truncate(got);
                break;
            }
            if (errno != ERANGE) {
                warnAttribute(source.absolutePath, QByteArray(), errno);
                return;
            }
            names.clear(); // grew meanwhile
        }
        QList<QByteArray> sorted = names.split('\0');
        std::sort(sorted.begin(), sorted.end());
        for (const QByteArray& name : std::as_const(sorted)) {
            if (!isKeptAttributeName(name))
                continue;
            QByteArray value(65536, Qt::Uninitialized);
            const ssize_t size = ::lgetxattr(path, name.constData(), value.data(), static_cast<size_t>(value.size()));
            if (size < 0) {
                if (errno != ENODATA) // removed since it was listed
                    warnAttribute(source.absolutePath, name, errno);
                continue;
            }
            value.truncate(size);
            source.entry.xattrs.append(ExtendedAttribute { name, value });
        }
    }

    void warnAttribute(const QByteArray& path, const QByteArray& name, int errnum)
    {
        m_tree.warnings.append(QStringLiteral("cannot read the extended attributes%1 of '%2': %3; they were left out")
                                   .arg(name.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(displayPath(name)),
                                       displayPath(path), posix::errorText(errnum)));
    }

    void warn(const QByteArray& path, int errnum)
    {
        m_tree.warnings.append(
            QStringLiteral("cannot read '%1': %2; it was left out").arg(displayPath(path), posix::errorText(errnum)));
    }

    SourceTree& m_tree;
    const std::atomic<bool>* m_stop;
    OwnerNames m_owners;
    QHash<QPair<quint64, quint64>, QByteArray> m_firstNames; // (device, inode) of files with several names
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
