#pragma once

// The migration log of one storage as one sequence of lines: its rotations oldest first
// (.N.gz ... .2.gz, .1), then inSyncMigration.log, followed across rotation and truncation.

#include "logfile.h"

#include <QList>
#include <QMetaType>
#include <QReadWriteLock>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace pk {

// Which storage's log to read, and where its root is.
struct LogSourceSpec
{
    QString storage;
    QString root;
};

// A file that could not be read (whole or in part); the lines before the damage stay.
struct LogSourceError
{
    QString storage;
    QString path;
    QString message;
    friend bool operator==(const LogSourceError&, const LogSourceError&) = default;
};

class LogSource
{
public:
    // lock guards what readers see; the owner (LogDocument) shares one lock for all sources.
    LogSource(LogSourceSpec spec, QReadWriteLock& lock);
    ~LogSource();
    LogSource(const LogSource&) = delete;
    LogSource& operator=(const LogSource&) = delete;

    const QString& storage() const { return m_spec.storage; }
    const QString& root() const { return m_spec.root; }

    // ---- The indexing thread --------------------------------------------------------------------
    // Lists and opens the files (MigrationLog::files); a missing root or an unreadable file is
    // recorded as an error, not fatal.
    void open();
    struct Step
    {
        qint64 newLines = 0;
        qint64 bytes = 0; // read or decoded
        bool newError = false;
    };
    // Indexes about maxBytes more of the first file that is not read to its end yet.
    Step indexMore(qint64 maxBytes);
    // All known bytes are indexed: nothing to do until poll() finds more.
    bool isCaughtUp() const;
    struct PollResult
    {
        bool changed = false; // more to index (appended, or a new file after a rotation)
        bool truncated = false; // lines from firstChangedLine on are gone and will be read again
        qint64 firstChangedLine = 0;
    };
    // Checks inSyncMigration.log against the open one: appended, rotated (a new inode: the old
    // one is read to its end, the new one follows it), truncated or rewritten (its head or the
    // last bytes read differ: it is indexed again).
    PollResult poll();
    // Paths to watch for changes (the root and the current file).
    QStringList watchPaths() const;

    // ---- Readers, with the lock held --------------------------------------------------------------
    qint64 lineCount() const { return m_lineCount; }
    // Lines [first, first + count) in blocks; block.firstLine is a line number of the source.
    bool readLines(qint64 first, qint64 count, const std::function<bool(const LogLineBlock&)>& visit,
        qint64 maxBlockBytes = qint64(1) << 20) const;
    QByteArray line(qint64 index) const;
    QList<LogSourceError> errors() const { return m_errors; }
    qint64 indexMemoryBytes() const;
    qint64 lineIndexBytes() const;
    // Bytes of the files on disk read so far, and their size.
    void progressBytes(qint64& done, qint64& total) const;
    qint64 bytesIndexed() const { return m_bytesIndexed; }
    int fileCount() const { return int(m_files.size()); }

private:
    // Files opened, and the errors of those that could not be, not yet seen by readers.
    struct Opened
    {
        std::vector<std::unique_ptr<LogFile>> files;
        QList<LogSourceError> errors;
    };
    void openInto(Opened& opened, const QString& path, bool live) const;
    void commit(Opened&& opened);
    void addFile(const QString& path, bool live);
    void addError(const QString& path, const QString& message);
    LogFile* liveFile() const;

    LogSourceSpec m_spec;
    QReadWriteLock& m_lock;
    std::vector<std::unique_ptr<LogFile>> m_files; // oldest first
    std::vector<qint64> m_firstLine; // source line of each file's first line (files up to m_cursor)
    std::size_t m_cursor = 0; // the first file not read to its end
    qint64 m_lineCount = 0;
    qint64 m_bytesIndexed = 0;
    QList<LogSourceError> m_errors;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::LogSourceError)
