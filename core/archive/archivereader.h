#pragma once

// Reads a tar (optionally gzip/bzip2/xz/zstd compressed) or zip archive entry by entry: enough
// to check what a support bundle holds and to read one of its files.

#include "util/result.h"
#include "util/uniquefd.h"

#include <QByteArray>
#include <QString>

#include <memory>

struct archive;

namespace pk {

namespace libarchive {
class FdSource;
}

struct ArchiveEntry
{
    enum class Type { File, Directory, Symlink, Other };
    QString name; // as stored: relative, '/'-separated
    Type type = Type::File;
    qint64 size = 0;
    int mode = 0; // permission bits (07777)
    qint64 mtimeSeconds = 0;
    QString symlinkTarget;
};

class ArchiveReader
{
public:
    ArchiveReader();
    ~ArchiveReader();
    ArchiveReader(const ArchiveReader&) = delete;
    ArchiveReader& operator=(const ArchiveReader&) = delete;

    Status open(const QString& path);
    void close();
    bool isOpen() const { return m_archive != nullptr; }

    // Moves to the next entry; false after the last one. The data of the entry before is skipped.
    Result<bool> next(ArchiveEntry& entry);
    // The current entry's data, in pieces; 0 at its end.
    Result<qint64> read(char* buffer, qint64 maxSize);
    // The rest of the current entry's data; an error when it is longer than maxBytes.
    Result<QByteArray> readAll(qint64 maxBytes);

private:
    Error damaged(const QString& what);

    QString m_path;
    UniqueFd m_fd;
    std::unique_ptr<libarchive::FdSource> m_source;
    archive* m_archive = nullptr;
    bool m_atEnd = false;
    QString m_entryName;
};

} // namespace pk
