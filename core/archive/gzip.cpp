#include "gzip.h"

#include "atomicfile.h"
#include "crc32.h"
#include "libarchiveio.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QFileInfo>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

constexpr qint64 gzipBlockSize = 256 * KiB;
// Header (10 bytes), the shortest deflate stream (2 bytes) and the trailer (8 bytes).
constexpr qint64 minimumGzipSize = 20;

Result<struct stat> statRegular(int fd, const QString& path)
{
    struct stat st = {};
    if (::fstat(fd, &st) != 0)
        return posix::ioError(QStringLiteral("stat"), path, errno);
    if (!S_ISREG(st.st_mode))
        return failed(QStringLiteral("'%1' is not a regular file").arg(path));
    return st;
}

} // namespace

Status gzipFile(const QString& source, const QString& destination)
{
    if (QFileInfo(source).absoluteFilePath() == QFileInfo(destination).absoluteFilePath())
        return usageError(QStringLiteral("cannot compress '%1' onto itself: give another destination").arg(source));
    auto in = posix::openReadOnly(source);
    if (!in)
        return in.error();
    auto st = statRegular(in->get(), source);
    if (!st)
        return st.error();

    AtomicFile out;
    if (auto status = out.create(destination, st->st_mode & 0777); !status)
        return status;
    // The same permissions as the source, whatever the umask.
    if (::fchmod(out.fd(), st->st_mode & 0777) != 0)
        return posix::ioError(QStringLiteral("set the permissions of"), out.temporaryPath(), errno);
    const QString what = QStringLiteral("cannot compress '%1' into '%2': ").arg(source, destination);
    libarchive::WriteHandle a(archive_write_new());
    libarchive::EntryHandle entry(archive_entry_new());
    if (!a || !entry)
        return failed(what + QStringLiteral("out of memory"));
    // Raw format: the compressed stream holds the file's bytes and nothing else (one entry).
    libarchive::FdSink sink(out.fd(), out.temporaryPath());
    if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK || archive_write_set_format_raw(a.get()) != ARCHIVE_OK
        || archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK
        || archive_write_open(a.get(), &sink, nullptr, libarchive::FdSink::write, nullptr) != ARCHIVE_OK)
        return failed(what + libarchive::errorText(a.get(), QStringLiteral("cannot set up the gzip writer")));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), st->st_mode & 0777);
    archive_entry_set_size(entry.get(), st->st_size);
    archive_entry_set_pathname(entry.get(), posix::encodePath(QFileInfo(source).fileName()).constData());
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK)
        return failed(what + libarchive::errorText(a.get(), QStringLiteral("cannot write the gzip header")));

    // Streamed in blocks: a 64 MiB log is never held in memory.
    QByteArray buffer(gzipBlockSize, Qt::Uninitialized);
    for (;;) {
        auto n = posix::readFull(in->get(), buffer.data(), buffer.size(), source);
        if (!n)
            return n.error();
        if (*n == 0)
            break;
        if (archive_write_data(a.get(), buffer.constData(), static_cast<size_t>(*n)) != *n)
            return failed(what + libarchive::errorText(a.get(), QStringLiteral("write failed")));
        if (*n < buffer.size())
            break;
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK)
        return failed(what + libarchive::errorText(a.get(), QStringLiteral("cannot finish the gzip stream")));

    const struct timespec times[2] = { st->st_atim, st->st_mtim };
    if (::futimens(out.fd(), times) != 0)
        return posix::ioError(QStringLiteral("set the modification time of"), out.temporaryPath(), errno);
    return out.commit();
}

Result<GzipTrailer> readGzipTrailer(int fd, const QString& pathForErrors)
{
    auto st = statRegular(fd, pathForErrors);
    if (!st)
        return st.error();
    if (st->st_size < minimumGzipSize)
        return failed(QStringLiteral("'%1' is too short for a gzip file (%2 bytes): it is truncated")
                          .arg(pathForErrors)
                          .arg(st->st_size));
    unsigned char trailer[8];
    qint64 done = 0;
    while (done < 8) {
        const ssize_t n = ::pread(fd, trailer + done, static_cast<size_t>(8 - done), st->st_size - 8 + done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return posix::ioError(QStringLiteral("read"), pathForErrors, errno);
        if (n == 0)
            return failed(QStringLiteral("'%1' shrank while being read").arg(pathForErrors));
        done += n;
    }
    auto le32 = [&](int at) {
        return quint32(trailer[at]) | quint32(trailer[at + 1]) << 8 | quint32(trailer[at + 2]) << 16
            | quint32(trailer[at + 3]) << 24;
    };
    return GzipTrailer { le32(0), le32(4) };
}

Result<bool> isGzipOf(const QString& gzipPath, const QString& plainPath)
{
    auto gz = posix::openReadOnly(gzipPath);
    if (!gz)
        return gz.error();
    auto trailer = readGzipTrailer(gz->get(), gzipPath);
    if (!trailer)
        return trailer.error();
    auto plain = posix::openReadOnly(plainPath);
    if (!plain)
        return plain.error();
    auto st = statRegular(plain->get(), plainPath);
    if (!st)
        return st.error();
    if (static_cast<quint32>(st->st_size) != trailer->size)
        return false;
    Crc32 crc;
    QByteArray buffer(gzipBlockSize, Qt::Uninitialized);
    for (;;) {
        auto n = posix::readFull(plain->get(), buffer.data(), buffer.size(), plainPath);
        if (!n)
            return n.error();
        crc.update(buffer.constData(), *n);
        if (*n < buffer.size())
            break;
    }
    return crc.value() == trailer->crc32;
}

} // namespace pk
