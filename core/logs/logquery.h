#pragma once

// Runs a view's filter and search over a LogDocument in a worker thread: rows that pass, matches,
// their count, next/previous match.

#include "backgroundrunner.h"
#include "logfilter.h"

#include <QList>
#include <QObject>

#include <memory>

namespace pk {

class LogDocument;

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
// document starts again, and a generation number drops what older passes still deliver. The
// document must outlive the runner.
class LogQueryRunner : public BackgroundRunner
{
    Q_OBJECT

public:
    explicit LogQueryRunner(LogDocument* document, QObject* parent = nullptr);

    // Starts a new pass (the current one is abandoned). A bad regular expression changes nothing
    // and returns the usage error.
    Status setQuery(const LogQuery& query);
    LogQuery query() const { return m_query; }

    bool isFiltering() const { return !m_query.filter.isEmpty(); }
    bool isSearching() const { return !m_query.search.isEmpty(); }
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
    void startPass() override;
    void deliver(const LogQueryDelta& delta);

    struct Pass;
    LogDocument* m_document;
    LogQuery m_query;
    LogSearchMatcher m_matcher;
    QList<quint32> m_rows;
    QList<quint32> m_matches;
    qint64 m_scanned = 0;
    qint64 m_passEnd = 0;
    // The worker's state: lives on between passes of a generation, shared so that a pass still
    // running while the runner is destroyed keeps it.
    std::shared_ptr<Pass> m_pass;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::LogQueryDelta)
