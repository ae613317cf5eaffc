#include "compressedfilereader.h"

#include "gzip.h"
#include "libarchiveio.h"
#include "util/posixio.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace pk {

namespace { } // namespace

bool CompressedFileReader::hasCompressedName(const QString& path)
{
    for (const char* suffix : { ".gz", ".bz2", ".xz", ".zst", ".lz4" }) {
        if (path.endsWith(QLatin1String(suffix)))
            return true;
    }
    return false;
}

CompressedFileReader::CompressedFileReader() = default;

CompressedFileReader::~CompressedFileReader()
{
    close();
}

void CompressedFileReader::close()
{
    if (m_archive)
        archive_read_free(m_archive);
    m_archive = nullptr;
    m_source.reset();
    m_fd.reset();
    m_compressed = false;
    m_isGzip = false;
    m_atEnd = false;
    m_failed = false;
    m_noData = false;
    m_compressionName.clear();
    m_crc = Crc32();
    m_decodedBytes = 0;
}

Error CompressedFileReader::fail(Error error)
{
    m_failed = true;
    m_error = error;
    return error;
}

Status CompressedFileReader::open(const QString& path)
{
    close();
    m_error = {};
    m_path = path;
    // O_NONBLOCK keeps open() of a FIFO from waiting for a writer; regular files ignore it.
    auto opened = posix::openRegularFile(path);
    if (!opened)
        return fail(opened.error());
    UniqueFd fd = std::move(opened->fd);

    auto source = std::make_unique<libarchive::FdSource>(fd.get(), path);
    libarchive::ReadHandle a(archive_read_new());
    if (!a)
        return fail(failed(QStringLiteral("cannot read '%1': out of memory").arg(path)));
    libarchive::enableDecompressionFilters(a.get());
    // raw: the decoded bytes as one entry; empty: a file that decodes to nothing.
    archive_read_support_format_raw(a.get());
    archive_read_support_format_empty(a.get());
    if (archive_read_open(a.get(), source.get(), nullptr, libarchive::FdSource::read, nullptr) != ARCHIVE_OK)
        return fail(failed(QStringLiteral("cannot read '%1': %2")
                               .arg(path, libarchive::errorText(a.get(), QStringLiteral("unknown format")))));
    archive_entry* entry = nullptr;
    const int header = archive_read_next_header(a.get(), &entry);
    if (header != ARCHIVE_OK && header != ARCHIVE_WARN && header != ARCHIVE_EOF)
        return fail(failed(QStringLiteral("cannot decode '%1': %2 (the file is damaged)")
                               .arg(path, libarchive::errorText(a.get(), QStringLiteral("unknown error")))));

    const int filters = archive_filter_count(a.get());
    m_compressed = filters > 1;
    m_isGzip = filters == 2 && archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_GZIP;
    m_compressionName = m_compressed ? QString::fromLatin1(archive_filter_name(a.get(), 0)) : QStringLiteral("none");
    if (!m_compressed && hasCompressedName(path))
        return fail(failed(QStringLiteral("'%1' is named like a compressed file but does not hold compressed data: "
                                          "it is truncated or damaged")
                               .arg(path)));
    m_noData = header == ARCHIVE_EOF;
    m_fd = std::move(fd);
    m_source = std::move(source);
    m_archive = a.release();
    return {};
}

Result<qint64> CompressedFileReader::read(char* buffer, qint64 maxSize)
{
    if (m_failed)
        return m_error;
    if (!m_archive)
        return failed(QStringLiteral("cannot read: no file is open"));
    if (m_atEnd || maxSize <= 0)
        return qint64(0);
    const la_ssize_t n = m_noData
        ? 0
        : archive_read_data(m_archive, buffer, static_cast<size_t>(qMin(maxSize, libarchive::maxReadSize)));
    if (n > 0) {
        if (m_isGzip)
            m_crc.update(buffer, n);
        m_decodedBytes += n;
        return qint64(n);
    }
    if (n == 0)
        return endOfData();
    return fail(failed(QStringLiteral("'%1' is damaged after %2 decoded bytes: %3")
                           .arg(m_path)
                           .arg(m_decodedBytes)
                           .arg(libarchive::errorText(m_archive, QStringLiteral("decoding failed")))));
}

Result<qint64> CompressedFileReader::endOfData()
{
    // A filter can fail while the format layer only sees "no more data" (e.g. a stream cut
    // before its first output byte); the error is still recorded on the handle.
    if (archive_errno(m_archive) != 0)
        return fail(failed(QStringLiteral("'%1' is damaged after %2 decoded bytes: %3")
                               .arg(m_path)
                               .arg(m_decodedBytes)
                               .arg(libarchive::errorText(m_archive, QStringLiteral("decoding failed")))));
    if (m_isGzip) {
        if (auto status = verifyGzipTrailer(); !status)
            return fail(status.error());
    }
    m_atEnd = true;
    return qint64(0);
}

Status CompressedFileReader::verifyGzipTrailer()
{
    // libarchive does not check the gzip trailer; without this, damage inside a stored
    // (uncompressed) deflate block would pass unnoticed.
    auto trailer = readGzipTrailer(m_fd.get(), m_path);
    if (!trailer)
        return failed(QStringLiteral("'%1' is damaged after %2 decoded bytes: %3")
                          .arg(m_path)
                          .arg(m_decodedBytes)
                          .arg(trailer.message()));
    if (trailer->size != static_cast<quint32>(m_decodedBytes) || trailer->crc32 != m_crc.value())
        return failed(QStringLiteral("'%1' is damaged: its %2 decoded bytes do not match the gzip checksum "
                                     "(a corrupt file, or several gzip streams joined, which is not supported)")
                          .arg(m_path)
                          .arg(m_decodedBytes));
    return {};
}

qint64 CompressedFileReader::sourcePosition() const
{
    return m_archive ? archive_filter_bytes(m_archive, -1) : 0;
}

} // namespace pk
