#pragma once

// The log viewer's thread-safe index over the migration log of one storage, or of every storage
// of a pool merged by time: indexed in a worker thread, followed, read from any thread.

#include "logfile.h"
#include "logrow.h"
#include "logsource.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

namespace pk {

class LogWorkerThread;

struct LogIndexProgress
{
    qint64 rows = 0;
    qint64 bytesDone = 0; // of the files on disk (a compressed file counts once decoded)
    qint64 bytesTotal = 0;
    bool finished = false; // everything known is indexed (following may bring more)
};

struct LogDocumentStats
{
    qint64 rows = 0;
    qint64 bytesIndexed = 0; // decoded bytes
    qint64 indexMemoryBytes = 0; // line index, merge order, packed compressed rotations
    qint64 lineIndexBytes = 0; // the line index alone
    int files = 0;
};

struct LogRowLocation
{
    int source = -1;
    qint64 line = -1; // in the source (its files oldest first)
    bool isValid() const { return source >= 0; }
};

// Consecutive rows from one source: row firstRow + i is lines.line(i). Views into a buffer that
// lives only during the visit.
struct LogRowBlock
{
    qint64 firstRow = 0;
    int source = 0;
    LogLineBlock lines;
};

// Indexes in a worker thread and announces rows as they come (a view shows the first screen at
// once), follows the files, and serves rows to any thread: the table model, the filter and
// search workers, the job timeline and the CLI (which drives it synchronously instead).
class LogDocument : public QObject
{
    Q_OBJECT

public:
    // Up to MergedOrder::maxSources storages; several are merged by the ts= of their lines (stable:
    // equal times keep the storages' order, a line without a time stays after its predecessor).
    explicit LogDocument(const QList<LogSourceSpec>& sources, QObject* parent = nullptr);
    ~LogDocument() override;

    // ---- Background use (the GUI) -----------------------------------------------------------------
    // Opens and indexes the files in a worker thread; rowsAppended, progress, errorOccurred and
    // indexingFinished tell how it goes (queued to this object's thread: it needs an event loop).
    // Call once, and not together with the synchronous calls.
    void start();
    // Keep checking the files for new lines (inotify, and a timer for network filesystems).
    void setFollowing(bool follow);
    bool isFollowing() const { return m_following; }

    // ---- Synchronous use (the CLI, tests): the same work in the calling thread ---------------------
    // One slice of indexing (about budgetMs); true while more is left. Signals are emitted here.
    bool indexSome(int budgetMs = 50);
    // Indexes everything known; returns early (false) when *stop becomes true.
    bool indexAll(const std::atomic<bool>* stop = nullptr);
    // Checks the files once for new lines, rotation and truncation; true when anything changed
    // (index with indexSome/indexAll then).
    bool poll();

    // ---- Readers, from any thread -----------------------------------------------------------------
    int sourceCount() const { return int(m_storages.size()); }
    QStringList storages() const { return m_storages; }
    // Rows announced so far (by rowsAppended or reset): stable until the next reset.
    qint64 rowCount() const { return m_announcedRows.load(); }
    // Rows indexed so far, announced or not.
    qint64 indexedRowCount() const;
    // Changes when rows were taken back (a truncated file): older row numbers mean nothing then.
    quint64 generation() const;
    bool isFinished() const { return m_finished.load(); }
    LogRowLocation locate(qint64 row) const;
    QByteArray rawLine(qint64 row) const;
    LogRow row(qint64 row) const;
    QList<LogRow> rows(qint64 first, qint64 count) const;
    QList<LogRow> rows(const QList<qint64>& rowNumbers) const;
    // Visits rows [first, last) (clamped to the indexed rows) in order, in blocks. Stops when
    // visit returns false, or when generation is not 0 and the document was reset meanwhile
    // (returns false in both cases). The lock is taken per block, never for a whole pass.
    bool visitRows(
        qint64 first, qint64 last, quint64 generation, const std::function<bool(const LogRowBlock&)>& visit) const;
    // For each storage whose lines were taken back since generation (a truncated file): the
    // first line (of that storage's log) that was read again. A follower that printed lines
    // uses it to print the new content once.
    QList<LogRowLocation> truncatedSince(quint64 generation) const;
    LogDocumentStats stats() const;
    LogIndexProgress progress() const;
    QList<LogSourceError> errors() const;

signals:
    void rowsAppended(qint64 first, qint64 last); // inclusive
    void reset(quint64 generation); // rowCount() and every row may differ
    void progressChanged(const pk::LogIndexProgress& progress);
    void indexingFinished();
    void errorOccurred(const pk::LogSourceError& error);

private:
    class Indexer;
    class Worker;
    friend class Worker;
    // Publishes what the indexer did: in the caller's thread (synchronous) or the document's.
    void announce();

    QStringList m_storages;
    std::unique_ptr<Indexer> m_indexer;
    Worker* m_worker = nullptr;
    std::unique_ptr<LogWorkerThread> m_thread; // hosts m_worker, which it deletes as it ends
    bool m_following = false;
    std::atomic<qint64> m_announcedRows { 0 };
    quint64 m_announcedGeneration = 1;
    QList<LogSourceError> m_announcedErrors;
    bool m_finishedAnnounced = false;
    std::atomic<bool> m_finished { false };
    std::atomic<bool> m_announcePending { false };
};

} // namespace pk

Q_DECLARE_METATYPE(pk::LogIndexProgress)
