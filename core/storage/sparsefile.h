#pragma once

// Sparse files: a backup reads only the ranges that hold data (SEEK_DATA/SEEK_HOLE) and records
// the holes; a restore writes the data around them, so the file gets back about its allocation.

#include "manifest.h"

#include <sys/stat.h>

namespace pk {

// Reads a file's data ranges in order, as one stream, up to the size it had when opened.
class SparseReader
{
public:
    // A file whose blocks cover its size has no holes and is not probed.
    SparseReader(int fd, const struct stat& st);

    // Fills buffer with the next data bytes; fewer than count only at the end (or when the file
    // shrank meanwhile).
    Result<qint64> read(char* buffer, qint64 count, const QString& pathForErrors);

    // After the last read: the file's logical size as read, and its holes up to there.
    qint64 size() const;
    const QList<Hole>& holes() const { return m_holes; }

private:
    Status findNextData(const QString& pathForErrors);

    int m_fd;
    qint64 m_size;
    bool m_probe;
    qint64 m_position = 0; // file offset of the next byte to read
    qint64 m_dataEnd = -1; // end of the data range being read; -1 before the first
    bool m_shortRead = false;
    QList<Hole> m_holes;
};

// Writes a file's data stream back around its holes, then sets its logical size.
class SparseWriter
{
public:
    SparseWriter(int fd, const QList<Hole>& holes, qint64 size);

    Status write(const char* data, qint64 count, const QString& pathForErrors);
    Status finish(const QString& pathForErrors);

private:
    void skipHoles();

    int m_fd;
    const QList<Hole>& m_holes;
    qint64 m_size;
    qsizetype m_nextHole = 0;
    qint64 m_position = 0;
};

} // namespace pk
