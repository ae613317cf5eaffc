// Fuzzes pk::CompressedFileReader (rotations .1, .2.gz, ...): the input as a .gz file and an unsuffixed one, read in
// varying blocks to the end or the error, a truncated copy, and pk::readGzipTrailer / pk::isGzipOf on them.

#include "archive/compressedfilereader.h"
#include "archive/crc32.h"
#include "archive/gzip.h"
#include "fuzzcheck.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>
#include <fcntl.h>
#include <unistd.h>

using pk::fuzz::show;

namespace {

// Decompression bombs: past this many decoded bytes a file is not read further.
constexpr qint64 maxDecodedBytes = qint64(1) << 20;

struct Decoded
{
    bool opened = false;
    bool complete = false; // read to its end without an error
    bool capped = false; // stopped at maxDecodedBytes
    bool compressed = false;
    QString compression;
    QByteArray bytes;
};

// Created once per process, removed at exit.
const QTemporaryDir& directory()
{
    static const QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/poolkeeper-fuzz-XXXXXX"));
    FUZZ_CHECK(dir.isValid(), dir.errorString());
    return dir;
}

void writeFile(const QString& path, const char* data, std::size_t size)
{
    // A new file each time: truncating one that holds data makes ext4 flush it on close
    // (auto_da_alloc), which would take most of the time of a run.
    const QByteArray encoded = QFile::encodeName(path);
    ::unlink(encoded.constData());
    const int fd = ::open(encoded.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, path);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, data + done, size - done);
        FUZZ_CHECK(n > 0, path);
        done += std::size_t(n);
    }
    ::close(fd);
}

Decoded decode(const QString& path, qint64 fileSize)
{
    Decoded out;
    pk::CompressedFileReader reader;
    const pk::Status status = reader.open(path);
    if (!status) {
        FUZZ_CHECK(!reader.isOpen(), path);
        FUZZ_CHECK(!status.message().isEmpty() && reader.errorString() == status.message(), status.message());
        return out;
    }
    out.opened = true;
    out.compressed = reader.isCompressed();
    out.compression = reader.compressionName();
    FUZZ_CHECK(reader.isOpen() && !reader.atEnd(), path);
    FUZZ_CHECK(out.compressed == (out.compression != QLatin1String("none")), out.compression);

    // Block sizes as different readers ask for them, 0 included.
    static constexpr qint64 sizes[] = { 4096, 1, 65536, 0, 13, qint64(1) << 20 };
    static QByteArray buffer(qsizetype(1) << 20, Qt::Uninitialized);
    for (std::size_t call = 0;; ++call) {
        const qint64 want = sizes[call % std::size(sizes)];
        auto n = reader.read(buffer.data(), want);
        const qint64 position = reader.sourcePosition();
        FUZZ_CHECK(
            position >= 0 && position <= fileSize, QStringLiteral("position %1 of %2").arg(position).arg(fileSize));
        if (!n) {
            // The error repeats, after the bytes decoded before it.
            FUZZ_CHECK(!n.message().isEmpty() && reader.errorString() == n.message(), n.message());
            FUZZ_CHECK(!reader.atEnd(), n.message());
            auto again = reader.read(buffer.data(), 4096);
            FUZZ_CHECK(!again && again.message() == n.message(), again.message());
            return out;
        }
        FUZZ_CHECK(*n >= 0 && *n <= want, QStringLiteral("%1 bytes for %2").arg(*n).arg(want));
        if (*n == 0 && want > 0) {
            FUZZ_CHECK(reader.atEnd(), path);
            auto again = reader.read(buffer.data(), 4096);
            FUZZ_CHECK(again && *again == 0, again.message());
            out.complete = true;
            return out;
        }
        out.bytes.append(buffer.constData(), qsizetype(*n));
        if (out.bytes.size() >= maxDecodedBytes) {
            out.capped = true;
            return out;
        }
    }
}

// One is a prefix of the other: decoding is sequential, so two files that begin alike decode
// alike up to where one of them ends or fails.
bool samePrefix(const QByteArray& a, const QByteArray& b)
{
    return a.size() <= b.size() ? b.startsWith(a) : a.startsWith(b);
}

quint32 le32(const char* p)
{
    return quint32(uchar(p[0])) | quint32(uchar(p[1])) << 8 | quint32(uchar(p[2])) << 16 | quint32(uchar(p[3])) << 24;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QTemporaryDir& dir = directory();
    const QString plainPath = dir.filePath(QStringLiteral("inSyncMigration.log.1"));
    const QString gzPath = dir.filePath(QStringLiteral("inSyncMigration.log.2.gz"));
    const QString truncatedPath = dir.filePath(QStringLiteral("inSyncMigration.log.3"));
    const QString decodedPath = dir.filePath(QStringLiteral("decoded"));
    const char* bytes = reinterpret_cast<const char*>(data);
    const QByteArray input = QByteArray::fromRawData(bytes, qsizetype(size));
    writeFile(plainPath, bytes, size);
    writeFile(gzPath, bytes, size);

    // Content the reader does not take for compressed data is read as it is.
    const Decoded plain = decode(plainPath, qint64(size));
    if (plain.opened && !plain.compressed)
        FUZZ_CHECK(plain.complete && plain.bytes == input, show(plain.bytes.left(64)));

    // A .gz name changes nothing for compressed data, and refuses anything else.
    const Decoded gz = decode(gzPath, qint64(size));
    FUZZ_CHECK(gz.opened == (plain.opened && plain.compressed), plain.compression);
    if (gz.opened) {
        FUZZ_CHECK(gz.compression == plain.compression, gz.compression + u' ' + plain.compression);
        FUZZ_CHECK(
            gz.complete == plain.complete && gz.capped == plain.capped && gz.bytes == plain.bytes, plain.compression);
    }

    // A truncated copy delivers what the whole file delivers, up to where it ends.
    if (plain.opened && plain.compressed && size > 1) {
        quint32 hash = 2166136261u;
        for (std::size_t i = 0; i < size; ++i)
            hash = (hash ^ data[i]) * 16777619u;
        const std::size_t cut = hash % size;
        writeFile(truncatedPath, bytes, cut);
        const Decoded truncated = decode(truncatedPath, qint64(cut));
        if (truncated.opened && truncated.compression == plain.compression)
            FUZZ_CHECK(samePrefix(truncated.bytes, plain.bytes),
                QStringLiteral("cut at %1 of %2: %3 bytes, the whole file %4")
                    .arg(cut)
                    .arg(size)
                    .arg(truncated.bytes.size())
                    .arg(plain.bytes.size()));
    }

    // The trailer is the last 8 bytes of anything long enough to be gzip.
    const int fd = ::open(QFile::encodeName(gzPath).constData(), O_RDONLY | O_CLOEXEC);
    FUZZ_CHECK(fd >= 0, gzPath);
    const auto trailer = pk::readGzipTrailer(fd, gzPath);
    ::close(fd);
    FUZZ_CHECK(trailer.isOk() == (size >= 20), trailer.message());
    if (!trailer)
        return 0;
    FUZZ_CHECK(trailer->crc32 == le32(bytes + size - 8) && trailer->size == le32(bytes + size - 4), QString());

    // isGzipOf compares that trailer with a file's length and CRC-32.
    auto isGzipOf = [&](const QByteArray& content, const QString& path) {
        auto same = pk::isGzipOf(gzPath, path);
        FUZZ_CHECK(same.isOk(), same.message());
        const bool expected = trailer->size == quint32(content.size())
            && trailer->crc32 == pk::Crc32::of(content.constData(), content.size());
        FUZZ_CHECK(*same == expected, path);
    };
    isGzipOf(input, plainPath);
    if (plain.complete) {
        writeFile(decodedPath, plain.bytes.constData(), std::size_t(plain.bytes.size()));
        isGzipOf(plain.bytes, decodedPath);
    }
    return 0;
}
