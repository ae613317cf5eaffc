#include "posixio.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pk::posix {

QString errorText(int errnum)
{
    return QString::fromLocal8Bit(std::strerror(errnum));
}

QString fileTypeName(mode_t mode)
{
    if (S_ISREG(mode))
        return QStringLiteral("a regular file");
    if (S_ISDIR(mode))
        return QStringLiteral("a directory");
    if (S_ISLNK(mode))
        return QStringLiteral("a symlink");
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    if (S_ISCHR(mode))
        return QStringLiteral("a character device");
    if (S_ISBLK(mode))
        return QStringLiteral("a block device");
    return QStringLiteral("a special file");
}

Error ioError(const QString& what, const QString& path, int errnum)
{
    return failed(QStringLiteral("cannot %1 '%2': %3").arg(what, path, errorText(errnum)));
}

QByteArray encodePath(const QString& path)
{
    return QFile::encodeName(path);
}

Result<UniqueFd> openDirectory(const QString& path)
{
    const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ioError(QStringLiteral("open directory"), path, errno);
    return UniqueFd(fd);
}

Result<UniqueFd> openReadOnly(const QString& path)
{
    const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ioError(QStringLiteral("open"), path, errno);
    return UniqueFd(fd);
}

namespace {

Result<RegularFile> openRegular(const QString& path, int extraFlags)
{
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    UniqueFd fd(::open(encodePath(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | extraFlags));
    if (!fd) {
        const int error = errno;
        if (error == ENOENT)
            return notFound(QStringLiteral("'%1' does not exist").arg(path));
        if (error == ELOOP && (extraFlags & O_NOFOLLOW))
            return failed(QStringLiteral("'%1' is a symlink, not a regular file").arg(path));
        if (error == ENXIO) // a socket cannot be opened at all
            return failed(QStringLiteral("'%1' is not a regular file: it is a socket").arg(path));
        return ioError(QStringLiteral("open"), path, error);
    }
    RegularFile file { std::move(fd), {} };
    if (::fstat(file.fd.get(), &file.st) != 0)
        return ioError(QStringLiteral("stat"), path, errno);
    if (!S_ISREG(file.st.st_mode))
        return failed(QStringLiteral("'%1' is not a regular file: it is %2").arg(path, fileTypeName(file.st.st_mode)));
    // Reads of a regular file never block; clear the flag all the same for the callers' sake.
    const int flags = ::fcntl(file.fd.get(), F_GETFL);
    if (flags >= 0)
        ::fcntl(file.fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    return file;
}

} // namespace

Result<RegularFile> openRegularFile(const QString& path)
{
    return openRegular(path, 0);
}

Result<RegularFile> openRegularFileNoFollow(const QString& path)
{
    return openRegular(path, O_NOFOLLOW);
}

Result<qint64> readFull(int fd, char* buffer, qint64 count, const QString& pathForErrors)
{
    qint64 done = 0;
    while (done < count) {
        const ssize_t n = ::read(fd, buffer + done, static_cast<size_t>(count - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ioError(QStringLiteral("read"), pathForErrors, errno);
        }
        if (n == 0)
            break;
        done += n;
    }
    return done;
}

Status writeFull(int fd, const char* data, qint64 count, const QString& pathForErrors)
{
    qint64 done = 0;
    while (done < count) {
        const ssize_t n = ::write(fd, data + done, static_cast<size_t>(count - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ioError(QStringLiteral("write"), pathForErrors, errno);
        }
        done += n;
    }
    return {};
}

Result<QByteArray> readFile(const QString& path, qint64 maxBytes)
{
    auto file = openRegularFile(path);
    if (!file)
        return file.error();
    const struct stat& st = file->st;
    if (st.st_size > maxBytes)
        return failed(QStringLiteral("'%1' is too large (%2 bytes, at most %3 expected)")
                          .arg(path)
                          .arg(st.st_size)
                          .arg(maxBytes));
    QByteArray data;
    data.resize(static_cast<qsizetype>(st.st_size));
    auto n = readFull(file->fd.get(), data.data(), data.size(), path);
    if (!n)
        return n.error();
    data.truncate(static_cast<qsizetype>(*n));
    return data;
}

Status fsyncFd(int fd, const QString& pathForErrors)
{
    while (::fsync(fd) != 0) {
        if (errno != EINTR)
            return ioError(QStringLiteral("sync"), pathForErrors, errno);
    }
    return {};
}

Status fsyncDirectory(const QString& path)
{
    auto fd = openDirectory(path);
    if (!fd)
        return fd.error();
    return fsyncFd(fd->get(), path);
}

Status makePath(const QString& path, mode_t mode)
{
    const QByteArray encoded = encodePath(path);
    struct stat st
    { };
    if (::stat(encoded.constData(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return {};
        return failed(QStringLiteral("'%1' exists and is not a directory").arg(path));
    }
    const QString parent = QFileInfo(path).path();
    if (parent != path && !parent.isEmpty()) {
        if (auto status = makePath(parent, mode); !status)
            return status;
    }
    if (::mkdir(encoded.constData(), mode) != 0 && errno != EEXIST)
        return ioError(QStringLiteral("create directory"), path, errno);
    return {};
}

QString temporaryName()
{
    return QStringLiteral("%1-%2.tmp")
        .arg(::getpid())
        .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
}

bool isProcessAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Status writeFileAtomically(const QString& finalPath, const QByteArray& data, const QString& tmpDir)
{
    const QString tmpPath = tmpDir + u'/' + temporaryName();
    const QByteArray tmpEncoded = encodePath(tmpPath);
    UniqueFd fd(::open(tmpEncoded.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd)
        return ioError(QStringLiteral("create"), tmpPath, errno);
    Status status = writeFull(fd.get(), data.constData(), data.size(), tmpPath);
    if (status)
        status = fsyncFd(fd.get(), tmpPath);
    fd.reset();
    if (status && ::rename(tmpEncoded.constData(), encodePath(finalPath).constData()) != 0)
        status = ioError(QStringLiteral("rename into"), finalPath, errno);
    if (!status) {
        ::unlink(tmpEncoded.constData());
        return status;
    }
    return fsyncDirectory(QFileInfo(finalPath).path());
}

namespace {

Status removeTreeAt(int parentFd, const char* name, const QString& displayPath)
{
    struct stat st
    { };
    if (::fstatat(parentFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? Status() : ioError(QStringLiteral("stat"), displayPath, errno);
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parentFd, name, 0) != 0 && errno != ENOENT)
            return ioError(QStringLiteral("remove"), displayPath, errno);
        return {};
    }
    const int dirFd = ::openat(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirFd < 0)
        return ioError(QStringLiteral("open directory"), displayPath, errno);
    DIR* dir = ::fdopendir(dirFd);
    if (!dir) {
        ::close(dirFd);
        return ioError(QStringLiteral("read directory"), displayPath, errno);
    }
    Status status;
    while (dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        status = removeTreeAt(::dirfd(dir), entry->d_name, displayPath + u'/' + QFile::decodeName(entry->d_name));
        if (!status)
            break;
    }
    ::closedir(dir);
    if (!status)
        return status;
    if (::unlinkat(parentFd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        return ioError(QStringLiteral("remove directory"), displayPath, errno);
    return {};
}

} // namespace

Status removeTree(const QString& path)
{
    const QByteArray encoded = encodePath(path);
    return removeTreeAt(AT_FDCWD, encoded.constData(), path);
}

} // namespace pk::posix
