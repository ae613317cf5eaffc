#pragma once

// Writes a .tar.gz (POSIX pax) from files on disk and data in memory, e.g. a support bundle.
// The archive appears under its final name only when close() succeeds.

#include "atomicfile.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>

#include <memory>

struct archive;

namespace pk {

namespace libarchive {
class FdSink;
}

class ArchiveWriter
{
public:
    ArchiveWriter();
    // Without a successful close() the temporary file is removed: no half-written archive.
    ~ArchiveWriter();
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    Status open(const QString& path);
    bool isOpen() const { return m_archive != nullptr; }

    // Names in the archive are relative paths with '/' separators, no "." or ".." component.
    // A regular file (symlinks are followed), streamed in blocks with its mode and mtime.
    // A file that shrinks while it is read gives an error; its entry is padded with zeros so the
    // archive stays readable. A file that grows is cut at the size it had when it was opened.
    Status addFile(const QString& nameInArchive, const QString& localPath);
    Status addData(const QString& nameInArchive, const QByteArray& data, int mode = 0644);
    // Finishes the archive and renames it into place.
    Status close();
    // Throws the archive away (also what the destructor does without close()).
    void discard();

private:
    Status writeHeader(
        const QString& nameInArchive, qint64 size, int mode, qint64 mtimeSeconds, qint64 mtimeNanoseconds);
    Status archiveError(const QString& what);

    QString m_path;
    AtomicFile m_file;
    std::unique_ptr<libarchive::FdSink> m_sink;
    archive* m_archive = nullptr;
};

} // namespace pk
