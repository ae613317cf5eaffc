#pragma once

// Runs a view's filter and search over a LogDocument in a worker thread: rows that pass, matches,
// their count, next/previous match.

#include "logfilter.h"

#include <QList>
#include <QObject>

#include <atomic>
#include <memory>

namespace pk {

class LogDocument;
class LogWorkerThread;

// What a pass found in rows [firstRow, scannedTo) since its previous delivery.
struct LogQueryDelta
{
    quint64 generation = 0;
    quint64 documentGeneration = 0;
    qint64 scannedTo = 0;
    QList<quint32> rows; // pass the filter
    QList<quint32> matches; // pass the filter and match the search
    bool final = false; // the pass reached the rows it was given
};

// Results grow as the pass goes and as the document grows (follow); a new query or a reset of the
// document starts again, and a generation number drops what older passes still deliver.
class LogQueryRunner : public QObject
{
    Q_OBJECT

public:
    explicit LogQueryRunner(LogDocument* document, QObject* parent = nullptr);
    ~LogQueryRunner() override;

    // Starts a new pass (the current one is abandoned). A bad regular expression changes nothing
    // and returns the usage error.
    Status setQuery(const LogQuery& query);
    LogQuery query() const { return m_query; }
    quint64 generation() const { return m_generation; }

    bool isFiltering() const { return !m_query.filter.isEmpty(); }
    bool isSearching() const { return !m_query.search.isEmpty(); }
    bool isRunning() const { return m_running; }
    // Rows of the document scanned so far (of rowCount()).
    qint64 scannedRows() const { return m_scanned; }

    // Document rows that pass the filter, ascending; meaningful when isFiltering().
    const QList<quint32>& rows() const { return m_rows; }
    // Document rows that pass the filter and match the search, ascending.
    const QList<quint32>& matches() const { return m_matches; }
    qint64 matchCount() const { return m_matches.size(); }
    bool isMatch(qint64 row) const;
    // The first match after (before) row; with wrap, from the other end when there is none.
    // -1 when there is no match at all.
    qint64 nextMatch(qint64 row, bool wrap = true) const;
    qint64 previousMatch(qint64 row, bool wrap = true) const;
    // Index of a document row in rows() (filtering), or -1 when it does not pass.
    qint64 filteredIndexOf(qint64 row) const;
    // The compiled search, for highlighting in the GUI thread.
    const LogSearchMatcher& searchMatcher() const { return m_matcher; }

signals:
    // rows() lost its content: a new query or a reset document.
    void restarted(quint64 generation);
    void rowsAdded(qint64 first, qint64 last); // indexes into rows(), inclusive
    void matchesAdded(qint64 first, qint64 last); // indexes into matches(), inclusive
    void progress(qint64 scanned, qint64 total);
    void finished(quint64 generation);

private:
    void restart();
    void startPass();
    void deliver(const LogQueryDelta& delta);

    struct Pass;
    LogDocument* m_document;
    LogQuery m_query;
    LogSearchMatcher m_matcher;
    quint64 m_generation = 0;
    std::shared_ptr<std::atomic<quint64>> m_latest;
    QList<quint32> m_rows;
    QList<quint32> m_matches;
    qint64 m_scanned = 0;
    qint64 m_passEnd = 0;
    bool m_running = false;
    std::unique_ptr<Pass> m_pass; // the worker's state: lives on between passes of a generation
    std::unique_ptr<LogWorkerThread> m_thread;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::LogQueryDelta)
