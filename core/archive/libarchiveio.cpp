#include "libarchiveio.h"

#include "util/posixio.h"
#include "util/sizes.h"

#include <cerrno>
#include <unistd.h>

namespace pk::libarchive {

namespace {

constexpr qsizetype sourceBlockSize = 256 * KiB;

} // namespace

FdSource::FdSource(int fd, QString path)
    : m_fd(fd)
    , m_path(std::move(path))
{ }

la_ssize_t FdSource::read(archive* a, void* self, const void** buffer)
{
    auto source = static_cast<FdSource*>(self);
    if (source->m_buffer.isEmpty())
        source->m_buffer.resize(sourceBlockSize);
    for (;;) {
        const ssize_t n = ::read(source->m_fd, source->m_buffer.data(), static_cast<size_t>(source->m_buffer.size()));
        if (n >= 0) {
            *buffer = source->m_buffer.constData();
            return n;
        }
        if (errno == EINTR)
            continue;
        const int error = errno;
        archive_set_error(a, error, "cannot read '%s': %s", posix::encodePath(source->m_path).constData(),
            posix::errorText(error).toLocal8Bit().constData());
        return -1;
    }
}

FdSink::FdSink(int fd, QString path)
    : m_fd(fd)
    , m_path(std::move(path))
{ }

la_ssize_t FdSink::write(archive* a, void* self, const void* buffer, size_t size)
{
    auto sink = static_cast<FdSink*>(self);
    const Status status
        = posix::writeFull(sink->m_fd, static_cast<const char*>(buffer), static_cast<qint64>(size), sink->m_path);
    if (!status) {
        archive_set_error(a, errno ? errno : EIO, "%s", status.message().toLocal8Bit().constData());
        return -1;
    }
    return static_cast<la_ssize_t>(size);
}

void enableDecompressionFilters(archive* a)
{
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_lz4(a);
}

QString errorText(archive* a, const QString& fallback)
{
    const char* text = a ? archive_error_string(a) : nullptr;
    if (!text || !*text)
        return fallback;
    return QString::fromLocal8Bit(text);
}

} // namespace pk::libarchive
