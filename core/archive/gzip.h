#pragma once

// gzip for single files: compress a rotated log beside itself, and tell whether a gzip file
// holds exactly the content of a plain file (to clean up after a crash between two steps).

#include "util/result.h"

#include <QString>

namespace pk {

// The last 8 bytes of a gzip file: checksum and length (mod 2^32) of the uncompressed data.
struct GzipTrailer
{
    quint32 crc32 = 0;
    quint32 size = 0;
};

// Writes destination = gzip(source) atomically: a temporary file beside destination, fsync,
// rename. source is left alone; destination keeps source's permissions and modification time.
Status gzipFile(const QString& source, const QString& destination);

// Reads the trailer of the gzip file open on fd (with pread: the file offset does not move).
Result<GzipTrailer> readGzipTrailer(int fd, const QString& pathForErrors);

// True when gzipPath's trailer matches plainPath's length and CRC-32: the one is the other,
// compressed. Reads plainPath whole (in blocks) only when the lengths agree.
Result<bool> isGzipOf(const QString& gzipPath, const QString& plainPath);

} // namespace pk
