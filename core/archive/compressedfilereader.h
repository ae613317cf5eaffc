#pragma once

// Reads a file that may be gzip, bzip2, xz, zstd or lz4 compressed, or plain, as one stream of
// its decoded bytes, in place (no temporary files): how the log viewer reads rotated logs.

#include "crc32.h"
#include "util/result.h"
#include "util/uniquefd.h"

#include <QString>

#include <memory>

struct archive;

namespace pk {

namespace libarchive {
class FdSource;
}

class CompressedFileReader
{
public:
    CompressedFileReader();
    ~CompressedFileReader();
    CompressedFileReader(const CompressedFileReader&) = delete;
    CompressedFileReader& operator=(const CompressedFileReader&) = delete;

    // Detects the compression from the content. A name ending in .gz, .bz2, .xz, .zst or .lz4
    // whose content is not compressed is refused (it is truncated or damaged). Only regular
    // files are opened (a FIFO or device would block or never end).
    Status open(const QString& path);
    void close();
    // Whether the name ends in one of the suffixes above.
    static bool hasCompressedName(const QString& path);
    bool isOpen() const { return m_archive != nullptr; }

    // Up to maxSize decoded bytes; 0 at the end (or for maxSize 0). Damaged or truncated input:
    // first the bytes decoded before the damage, then an error that every later call repeats.
    // gzip has one checksum, at its end, so damage in the middle may garble some bytes before
    // the error is seen; a truncated file always delivers a true prefix of its content.
    Result<qint64> read(char* buffer, qint64 maxSize);

    bool atEnd() const { return m_atEnd; }
    bool isCompressed() const { return m_compressed; }
    // "gzip", "xz", ... or "none".
    QString compressionName() const { return m_compressionName; }
    // How far into the file (compressed bytes) decoding got: for progress bars.
    qint64 sourcePosition() const;
    // The error of the last failed open() or read(); empty when there was none.
    QString errorString() const { return m_error.message; }

private:
    Error fail(Error error);
    Status verifyGzipTrailer();
    Result<qint64> endOfData();

    QString m_path;
    UniqueFd m_fd;
    std::unique_ptr<libarchive::FdSource> m_source;
    archive* m_archive = nullptr;
    bool m_compressed = false;
    bool m_isGzip = false;
    bool m_atEnd = false;
    bool m_failed = false;
    bool m_noData = false; // the stream decodes to nothing at all
    QString m_compressionName;
    Crc32 m_crc;
    qint64 m_decodedBytes = 0;
    Error m_error;
};

} // namespace pk
