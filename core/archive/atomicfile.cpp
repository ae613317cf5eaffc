#include "atomicfile.h"

#include "util/posixio.h"

#include <QFileInfo>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace pk {

AtomicFile::~AtomicFile()
{
    discard();
}

Status AtomicFile::create(const QString& finalPath, mode_t mode)
{
    discard();
    const QFileInfo info(finalPath);
    // Same directory as the final file: rename() must not cross filesystems.
    const QString temporaryPath = info.path() + QStringLiteral("/.") + info.fileName() + u'.' + posix::temporaryName();
    UniqueFd fd(::open(posix::encodePath(temporaryPath).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
        return posix::ioError(QStringLiteral("create"), temporaryPath, errno);
    m_fd = std::move(fd);
    m_finalPath = finalPath;
    m_temporaryPath = temporaryPath;
    return {};
}

Status AtomicFile::commit()
{
    if (!m_fd)
        return failed(QStringLiteral("cannot commit '%1': the file is not open").arg(m_finalPath));
    Status status = posix::fsyncFd(m_fd.get(), m_temporaryPath);
    if (status && ::close(m_fd.release()) != 0)
        status = posix::ioError(QStringLiteral("close"), m_temporaryPath, errno);
    if (status
        && ::rename(posix::encodePath(m_temporaryPath).constData(), posix::encodePath(m_finalPath).constData()) != 0)
        status = posix::ioError(QStringLiteral("rename into"), m_finalPath, errno);
    if (!status) {
        discard();
        return status;
    }
    m_temporaryPath.clear();
    return posix::fsyncDirectory(QFileInfo(m_finalPath).path());
}

void AtomicFile::discard()
{
    m_fd.reset();
    if (!m_temporaryPath.isEmpty())
        ::unlink(posix::encodePath(m_temporaryPath).constData());
    m_temporaryPath.clear();
}

bool AtomicFile::isTemporaryNameFor(const QString& fileName, const QString& finalFileName)
{
    // ".<final>.<pid>-<16 hex>.tmp"
    const QString prefix = QStringLiteral(".") + finalFileName + u'.';
    if (!fileName.startsWith(prefix) || !fileName.endsWith(QLatin1String(".tmp")))
        return false;
    const QStringView rest = QStringView(fileName).mid(prefix.size()).chopped(4);
    const qsizetype dash = rest.indexOf(u'-');
    if (dash <= 0 || rest.size() - dash - 1 != 16)
        return false;
    bool pidOk = false;
    const qint64 pid = rest.left(dash).toLongLong(&pidOk);
    bool randomOk = false;
    // Only whether the part parses as hexadecimal matters, not its value.
    (void)rest.mid(dash + 1).toULongLong(&randomOk, 16);
    return pidOk && pid > 0 && randomOk;
}

} // namespace pk
