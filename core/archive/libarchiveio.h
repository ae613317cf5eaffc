#pragma once

// Glue between libarchive and POSIX descriptors, private to core/archive: owners for archive
// handles, read and write callbacks whose errors name the file, and the filters we decode.

#include "util/result.h"

#include <QByteArray>
#include <QString>

#include <archive.h>
#include <archive_entry.h>
#include <memory>

namespace pk::libarchive {

// The most one archive_read_data() call is asked for: its size_t result must fit la_ssize_t.
constexpr qint64 maxReadSize = qint64(1) << 30;

struct ReadFree
{
    void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree
{
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree
{
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ReadHandle = std::unique_ptr<archive, ReadFree>;
using WriteHandle = std::unique_ptr<archive, WriteFree>;
using EntryHandle = std::unique_ptr<archive_entry, EntryFree>;

// Feeds archive_read_open() from a descriptor it does not own, in blocks.
class FdSource
{
public:
    FdSource(int fd, QString path);
    static la_ssize_t read(archive* a, void* self, const void** buffer);

private:
    int m_fd;
    QString m_path;
    QByteArray m_buffer;
};

// Takes archive_write_open() output into a descriptor it does not own.
class FdSink
{
public:
    FdSink(int fd, QString path);
    static la_ssize_t write(archive* a, void* self, const void* buffer, size_t size);

private:
    int m_fd;
    QString m_path;
};

// gzip, bzip2, xz, zstd and lz4, decoded in-process. Not archive_read_support_filter_all():
// that one also runs external programs (lrzip, lzop, grzip) on whatever a file claims to be.
void enableDecompressionFilters(archive* a);

// The handle's error text, or fallback when libarchive set none.
QString errorText(archive* a, const QString& fallback);

} // namespace pk::libarchive
