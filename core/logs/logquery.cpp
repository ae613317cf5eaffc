#include "logquery.h"

#include "logdocument.h"

#include <QElapsedTimer>

#include <algorithm>

namespace pk {

namespace {

constexpr int queryDeliverIntervalMs = 100;

} // namespace

// The worker thread's state for the current generation: compiled matchers and the filter's
// running state carry over from one incremental pass to the next.
struct LogQueryRunner::Pass
{
    quint64 generation = 0;
    quint64 documentGeneration = 0;
    LogFilterMatcher filter;
    LogSearchMatcher search;
};

LogQueryRunner::LogQueryRunner(LogDocument* document, QObject* parent)
    : BackgroundRunner(QStringLiteral("log query"), parent)
    , m_document(document)
    , m_pass(std::make_shared<Pass>())
{
    connect(document, &LogDocument::rowsAppended, this, [this] { requestPass(); });
    connect(document, &LogDocument::reset, this, [this] { restart(); });
}

Status LogQueryRunner::setQuery(const LogQuery& query)
{
    auto matcher = LogSearchMatcher::compile(query.search);
    if (!matcher)
        return matcher.error();
    m_query = query;
    m_matcher = std::move(*matcher);
    restart();
    return {};
}

void LogQueryRunner::restart()
{
    const quint64 generation = newGeneration();
    m_rows.clear();
    m_matches.clear();
    m_scanned = 0;
    emit restarted(generation);
    startPass();
}

void LogQueryRunner::startPass()
{
    if (isRunning())
        return;
    const qint64 total = m_document->rowCount();
    if (m_query.filter.isEmpty() && m_query.search.isEmpty()) {
        m_scanned = total; // nothing to compute: every row is shown, none is a match
        emit finished(generation());
        return;
    }
    if (m_scanned >= total)
        return;
    m_passEnd = total;
    const quint64 generation = this->generation();
    const quint64 documentGeneration = m_document->generation();
    const LogQuery query = m_query;
    const QStringList storages = m_document->storages();
    const qint64 from = m_scanned;
    const qint64 to = total;
    LogDocument* document = m_document;
    std::shared_ptr<Pass> pass = m_pass;
    post([pass, document, generation, documentGeneration, query, storages, from, to](const Run& run) {
        if (pass->generation != generation || pass->documentGeneration != documentGeneration) {
            pass->generation = generation;
            pass->documentGeneration = documentGeneration;
            pass->filter = LogFilterMatcher(query.filter, storages);
            pass->search = LogSearchMatcher::compile(query.search).valueOr(LogSearchMatcher());
        }
        const bool filtering = !query.filter.isEmpty();
        const bool searching = !query.search.isEmpty();
        LogQueryDelta delta;
        delta.generation = generation;
        delta.documentGeneration = documentGeneration;
        delta.scannedTo = from;
        QElapsedTimer sinceDelivery;
        sinceDelivery.start();
        auto send = [&] {
            run.deliver<LogQueryRunner>([delta](LogQueryRunner* runner) { runner->deliver(delta); });
            delta.rows.clear();
            delta.matches.clear();
            sinceDelivery.restart();
        };
        std::vector<qsizetype> hits;
        const bool complete = document->visitRows(from, to, documentGeneration, [&](const LogRowBlock& block) {
            if (!run.isCurrent())
                return false;
            const LogLineBlock& lines = block.lines;
            if (!filtering) {
                hits.clear();
                pass->search.matchBlock(lines, hits);
                for (const qsizetype i : hits)
                    delta.matches.append(quint32(block.firstRow + i));
            } else {
                for (qsizetype i = 0; i < lines.count; ++i) {
                    const QByteArrayView line = lines.line(i);
                    if (!pass->filter.matches(block.source, line))
                        continue;
                    delta.rows.append(quint32(block.firstRow + i));
                    if (searching && pass->search.matches(line))
                        delta.matches.append(quint32(block.firstRow + i));
                }
            }
            delta.scannedTo = block.firstRow + lines.count;
            if (sinceDelivery.elapsed() >= queryDeliverIntervalMs)
                send();
            return true;
        });
        if (!complete)
            return; // a newer query or a reset document: the runner has started again
        delta.scannedTo = to;
        delta.final = true;
        send();
    });
}

void LogQueryRunner::deliver(const LogQueryDelta& delta)
{
    if (delta.generation != generation() || delta.documentGeneration != m_document->generation())
        return;
    if (!delta.rows.isEmpty()) {
        const qint64 first = m_rows.size();
        m_rows += delta.rows;
        emit rowsAdded(first, m_rows.size() - 1);
    }
    if (!delta.matches.isEmpty()) {
        const qint64 first = m_matches.size();
        m_matches += delta.matches;
        emit matchesAdded(first, m_matches.size() - 1);
    }
    m_scanned = qMax(m_scanned, delta.scannedTo);
    emit progress(m_scanned, m_document->rowCount());
    if (!delta.final)
        return;
    endPass();
    if (m_document->rowCount() > m_scanned)
        startPass(); // rows arrived meanwhile (follow)
    else
        emit finished(generation());
}

bool LogQueryRunner::isMatch(qint64 row) const
{
    return row >= 0 && std::binary_search(m_matches.begin(), m_matches.end(), quint32(row));
}

qint64 LogQueryRunner::nextMatch(qint64 row, bool wrap) const
{
    if (m_matches.isEmpty())
        return -1;
    const auto it = row < 0 ? m_matches.begin() : std::upper_bound(m_matches.begin(), m_matches.end(), quint32(row));
    if (it != m_matches.end())
        return *it;
    return wrap ? qint64(m_matches.first()) : -1;
}

qint64 LogQueryRunner::previousMatch(qint64 row, bool wrap) const
{
    if (m_matches.isEmpty())
        return -1;
    const auto it = std::lower_bound(m_matches.begin(), m_matches.end(), quint32(qMax<qint64>(0, row)));
    if (row > 0 && it != m_matches.begin())
        return *(it - 1);
    return wrap ? qint64(m_matches.last()) : -1;
}

qint64 LogQueryRunner::filteredIndexOf(qint64 row) const
{
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), quint32(qMax<qint64>(0, row)));
    if (it == m_rows.end() || *it != quint32(row))
        return -1;
    return it - m_rows.begin();
}

} // namespace pk
