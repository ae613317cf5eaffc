#include "sparsefile.h"

#include "util/posixio.h"

#include <cerrno>
#include <unistd.h>

namespace pk {

SparseReader::SparseReader(int fd, const struct stat& st)
    : m_fd(fd)
    , m_size(st.st_size)
    , m_probe(static_cast<qint64>(st.st_blocks) * 512 < st.st_size)
{ }

Status SparseReader::findNextData(const QString& pathForErrors)
{
    if (!m_probe) {
        m_dataEnd = m_size;
        return {};
    }
    off_t data = ::lseek(m_fd, m_position, SEEK_DATA);
    if (data < 0 && errno == ENXIO) {
        data = m_size; // only a hole is left
    } else if (data < 0) {
        if (errno != EINVAL && errno != EOPNOTSUPP)
            return posix::ioError(QStringLiteral("look for the data of"), pathForErrors, errno);
        m_probe = false; // the filesystem cannot tell: read everything
        m_dataEnd = m_size;
        return {};
    }
    data = qMin<qint64>(data, m_size);
    if (data > m_position) {
        m_holes.append(Hole { m_position, data - m_position });
        m_position = data;
    }
    const off_t hole = m_position < m_size ? ::lseek(m_fd, m_position, SEEK_HOLE) : m_size;
    if (hole < 0)
        return posix::ioError(QStringLiteral("look for the holes of"), pathForErrors, errno);
    m_dataEnd = qMin<qint64>(hole, m_size);
    return {};
}

Result<qint64> SparseReader::read(char* buffer, qint64 count, const QString& pathForErrors)
{
    qint64 done = 0;
    while (done < count && !m_shortRead && m_position < m_size) {
        if (m_position >= m_dataEnd) {
            if (auto status = findNextData(pathForErrors); !status)
                return status.error();
            if (m_position >= m_size)
                break;
        }
        const qint64 want = qMin(count - done, m_dataEnd - m_position);
        const ssize_t n = ::pread(m_fd, buffer + done, static_cast<size_t>(want), m_position);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return posix::ioError(QStringLiteral("read"), pathForErrors, errno);
        }
        if (n == 0) {
            m_shortRead = true; // shrank while read: the caller sees the change and reads again
            break;
        }
        done += n;
        m_position += n;
    }
    return done;
}

qint64 SparseReader::size() const
{
    return m_shortRead ? m_position : qMax(m_position, m_size);
}

SparseWriter::SparseWriter(int fd, const QList<Hole>& holes, qint64 size)
    : m_fd(fd)
    , m_holes(holes)
    , m_size(size)
{
    skipHoles();
}

void SparseWriter::skipHoles()
{
    while (m_nextHole < m_holes.size() && m_holes.at(m_nextHole).offset == m_position) {
        m_position += m_holes.at(m_nextHole).length;
        ++m_nextHole;
    }
}

Status SparseWriter::write(const char* data, qint64 count, const QString& pathForErrors)
{
    while (count > 0) {
        const qint64 room = m_nextHole < m_holes.size() ? m_holes.at(m_nextHole).offset - m_position : count;
        const qint64 want = qMin(count, room);
        const ssize_t n = ::pwrite(m_fd, data, static_cast<size_t>(want), m_position);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return posix::ioError(QStringLiteral("write"), pathForErrors, errno);
        }
        data += n;
        count -= n;
        m_position += n;
        skipHoles();
    }
    return {};
}

Status SparseWriter::finish(const QString& pathForErrors)
{
    // A hole at the end is made by the size alone.
    if (!m_holes.isEmpty() && ::ftruncate(m_fd, m_size) != 0)
        return posix::ioError(QStringLiteral("set the size of"), pathForErrors, errno);
    return {};
}

} // namespace pk
