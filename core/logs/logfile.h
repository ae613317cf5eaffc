#pragma once

// One file of a storage's migration log with its line index: plain files read in place by pread,
// compressed rotations decoded once and kept in memory as zlib-packed chunks.

#include "lineindex.h"
#include "util/result.h"
#include "util/uniquefd.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QMutex>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace pk {

class CompressedFileReader;

// Lines read from one file in one go: their bytes and where each line lies in them.
struct LogLineSpan
{
    quint32 begin = 0; // into data
    quint32 end = 0; // without '\n' and a '\r' before it
};

struct LogLineBlock
{
    qint64 firstLine = 0; // of the file (or of the source, once LogSource has shifted it)
    QByteArrayView data;
    const LogLineSpan* spans = nullptr;
    qsizetype count = 0;

    QByteArrayView line(qsizetype i) const { return data.sliced(spans[i].begin, spans[i].end - spans[i].begin); }
};

// What the indexing thread read past the index: committed under the owner's write lock so that
// readers never see a half-updated index.
struct LogFileBatch
{
    std::vector<quint64> starts;
    quint64 scannedEnd = 0;
    bool atLineStart = true;
    QByteArray chunk; // compressed files: the decoded bytes, zlib-packed when that pays
    qint64 chunkBytes = 0;
    bool chunkPacked = false;
    qint64 sourcePosition = 0; // compressed files: compressed bytes consumed, for progress
    bool endOfData = false; // nothing more for now (plain) or ever (compressed)
    QString error; // reading failed here; what came before stays
};

// A plain file is read with pread, never mapped: a live log truncated under a mapping raises
// SIGBUS. A compressed rotation cannot be read at an offset, so it is decoded once, in the
// background, and its bytes kept as zlib-packed 1 MiB chunks (about a tenth of their size).
class LogFile
{
public:
    enum class Change { None, Grown, Truncated };

    // Lines longer than this are cut when read (they are still one line of the index).
    static constexpr qint64 maxLineBytes = qint64(32) << 20;
    static constexpr qint64 chunkSize = qint64(1) << 20;

    // Opens the file without reading it. A plain file stays open by descriptor, so a rotation
    // (rename) or a removal does not stop its reading. live: the current inSyncMigration.log,
    // which may still grow; rotated files end at their end.
    static Result<std::unique_ptr<LogFile>> open(const QString& path, bool live);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;

    QString path() const { return m_path; }
    bool isCompressed() const { return m_compressed; }

    // ---- The indexing thread (one at a time) -------------------------------------------------
    // Reads up to about maxBytes past the index; touches nothing a reader sees.
    LogFileBatch readMore(qint64 maxBytes);
    // Publishes a batch; call with the owner's write lock held.
    void commit(LogFileBatch&& batch);
    // True when no more lines will come: a rotated file read to its end, or a failed one.
    bool isComplete() const { return m_complete; }
    // True when the last readMore() reached the current end of the file.
    bool atEnd() const { return m_atEnd; }
    bool isLive() const { return m_live; }
    // The current file was rotated away: it will be read to its end and then be complete.
    void retire() { m_live = false; }
    // Compares the open file with what was indexed: more bytes, or fewer/different ones
    // (truncated or rewritten in place: the index must start again).
    Change checkForChange();
    // Forgets the index (after a truncation); call with the owner's write lock held.
    void resetIndex();
    // True when path is this (plain) file after a rotation: the same inode, or its gzip copy
    // (same length in the gzip trailer, same first bytes).
    bool isSameFileAs(const QString& path) const;
    // dev and inode of the open plain file, to recognise it after a rename.
    quint64 device() const { return m_device; }
    quint64 inode() const { return m_inode; }
    // Bytes of the file (compressed files: their size on disk), for progress.
    qint64 fileSize() const;

    // ---- Readers, with the owner's read lock held ----------------------------------------------
    // Lines readers see: a last line cut by the end of a read block is not one of them until the
    // rest of it is read (a line without '\n' at the end of the file is).
    qint64 lineCount() const { return m_visibleLines; }
    quint64 indexedBytes() const { return m_indexedBytes; }
    qint64 indexMemoryBytes() const;
    qint64 lineIndexBytes() const { return m_index.memoryBytes(); }
    // Bytes of the file on disk read so far (compressed: consumed by the decoder).
    qint64 progressBytes() const { return m_progressBytes; }
    // The error that stopped reading (the lines before it stay readable); empty when none.
    QString error() const { return m_error; }
    // Reads lines [first, first + count) in blocks of about maxBlockBytes, calling visit for each
    // block until it returns false. Lines that are gone (the file shrank) read as empty.
    bool readLines(qint64 first, qint64 count, const std::function<bool(const LogLineBlock&)>& visit,
        qint64 maxBlockBytes = qint64(1) << 20) const;
    QByteArray line(qint64 index) const;

private:
    LogFile() = default;
    struct Chunk
    {
        QByteArray data;
        qint64 size = 0;
        bool packed = false;
    };
    // Copies [from, to) of the decoded stream into out; returns the bytes copied.
    qint64 readBytes(quint64 from, quint64 to, char* out) const;
    QByteArray chunkData(std::size_t index) const;

    QString m_path;
    bool m_compressed = false;

    // The indexing thread's own state.
    UniqueFd m_fd;
    std::unique_ptr<CompressedFileReader> m_reader;
    LineScanner m_scanner;
    QByteArray m_buffer;
    QByteArray m_headSeen;
    QByteArray m_tailSeen;
    bool m_live = false;
    bool m_atEnd = false;
    bool m_complete = false;
    quint64 m_device = 0;
    quint64 m_inode = 0;

    // Shared with readers (guarded by the owner's lock).
    LineIndex m_index;
    qint64 m_visibleLines = 0;
    quint64 m_indexedBytes = 0;
    bool m_endsWithNewline = true;
    std::vector<Chunk> m_chunks;
    qint64 m_chunkMemory = 0;
    qint64 m_progressBytes = 0;
    qint64 m_compressedSize = 0;
    QString m_error;

    // Readers of compressed files share a few unpacked chunks.
    mutable QMutex m_cacheMutex;
    mutable std::size_t m_cachedIndex[2] = { std::size_t(-1), std::size_t(-1) };
    mutable QByteArray m_cached[2];
    mutable int m_cacheNext = 0;
};

} // namespace pk
