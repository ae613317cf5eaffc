#include "logdocument.h"

#include "logworkerthread.h"
#include "mergedorder.h"

#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QReadLocker>
#include <QReadWriteLock>
#include <QTimer>
#include <QWriteLocker>

#include <algorithm>
#include <limits>

namespace pk {

namespace {

constexpr qint64 indexStepBytes = qint64(1) << 20; // fits in L2: the copy and the scan stay in cache
constexpr qint64 bytesPerLock = qint64(512) << 10; // readers give writers (and the GUI) a turn after this much
constexpr qint64 rowsPerLock = 4096;
constexpr qint64 windowBytes = qint64(1) << 20;
constexpr int mergeBatchRows = 65536;
constexpr int timesPerFill = 4096;
constexpr int followIntervalMs = 500;
constexpr int announceIntervalMs = 50;

// The next lines of one source and their times, for the merge.
struct MergeCursor
{
    qint64 next = 0; // first line not merged yet
    std::vector<qint64> times; // effective times of lines next, next + 1, ... from pos on
    std::size_t pos = 0;
    // A line's effective time is the greatest time seen so far in its source: a line without
    // ts=, or with an earlier one, stays after its predecessor.
    qint64 runningMax = std::numeric_limits<qint64>::min();

    bool hasHead() const { return pos < times.size(); }
    qint64 head() const { return times[pos]; }
};

// Lines of one source copied out of a block, served to a merged pass whose rows alternate between
// sources: one read per megabyte instead of one per row.
struct LineWindow
{
    QByteArray data;
    std::vector<LogLineSpan> spans;
    qint64 firstLine = 0;
    qint64 count = 0;

    bool contains(qint64 line) const { return line >= firstLine && line < firstLine + count; }
    void fill(const LogSource& source, qint64 line)
    {
        count = 0;
        spans.clear();
        // Stops when the visitor has what it needs: nothing to check afterwards.
        source.readLines(
            line, qint64(timesPerFill) * 4,
            [&](const LogLineBlock& block) {
                data = block.data.toByteArray();
                spans.assign(block.spans, block.spans + block.count);
                firstLine = block.firstLine;
                count = block.count;
                return false;
            },
            windowBytes);
    }
};

} // namespace

// The indexing and merging work, shared by the synchronous calls and the worker thread. Only
// one thread at a time runs step() and poll(); readers take the lock.
class LogDocument::Indexer
{
public:
    explicit Indexer(const QList<LogSourceSpec>& specs)
    {
        const qsizetype count = qMin<qsizetype>(specs.size(), MergedOrder::maxSources);
        for (qsizetype i = 0; i < count; ++i)
            sources.push_back(std::make_unique<LogSource>(specs.at(i), lock));
        for (qsizetype i = count; i < specs.size(); ++i)
            extraErrors.append({ specs.at(i).storage, specs.at(i).root,
                QStringLiteral("only %1 storages can be merged into one view").arg(MergedOrder::maxSources) });
        merged.reset(int(qMax<std::size_t>(1, sources.size())));
        m_cursors.resize(sources.size());
    }

    bool isMerged() const { return sources.size() > 1; }

    // With the lock held (or from the indexing thread).
    qint64 rowCount() const
    {
        if (sources.empty())
            return 0;
        return isMerged() ? merged.size() : sources.front()->lineCount();
    }

    LogRowLocation locate(qint64 row) const
    {
        if (row < 0 || row >= rowCount())
            return {};
        if (!isMerged())
            return { 0, row };
        const MergedOrder::Location location = merged.at(row);
        return { location.source, location.line };
    }

    void openSources()
    {
        if (m_opened)
            return;
        m_opened = true;
        for (auto& source : sources)
            source->open();
    }

    // One slice of work; false when everything known is indexed and merged.
    bool step(int budgetMs)
    {
        QElapsedTimer timer;
        timer.start();
        openSources();
        do {
            if (sources.empty())
                return false;
            if (!isMerged()) {
                LogSource& source = *sources.front();
                if (source.isCaughtUp())
                    return false;
                // A read error stays in the source (error()), shown above the lines it stopped.
                source.indexMore(indexStepBytes);
                continue;
            }
            const int waiting = merge();
            if (waiting == idle)
                return false;
            if (waiting >= 0)
                sources[std::size_t(waiting)]->indexMore(indexStepBytes); // errors: as above
        } while (timer.elapsed() < budgetMs && !stopRequested.load());
        return true;
    }

    // Checks every source for new lines; a truncation restarts the merge.
    bool poll()
    {
        openSources();
        bool changed = false;
        QList<LogRowLocation> truncated;
        for (std::size_t s = 0; s < sources.size(); ++s) {
            const LogSource::PollResult result = sources[s]->poll();
            changed = changed || result.changed;
            if (result.truncated)
                truncated.append({ int(s), result.firstChangedLine });
        }
        if (!truncated.isEmpty()) {
            QWriteLocker locker(&lock);
            if (isMerged())
                merged.reset(int(sources.size()));
            const quint64 next = generation.fetch_add(1) + 1;
            for (const LogRowLocation& location : std::as_const(truncated))
                truncations.append({ next, location });
            for (MergeCursor& cursor : m_cursors)
                cursor = MergeCursor();
        }
        return changed;
    }

    static constexpr int idle = -1;
    static constexpr int progressed = -2;

    // Merges as far as the indexed lines allow. Returns the source it needs more lines of, idle
    // when every source is read to its end and merged, or progressed.
    int merge()
    {
        std::vector<quint8> batch;
        batch.reserve(mergeBatchRows);
        int result = progressed;
        const int count = int(sources.size());
        while (int(batch.size()) < mergeBatchRows) {
            int best = -1;
            int waiting = -1;
            for (int s = 0; s < count; ++s) {
                if (!fill(s)) {
                    if (!sources[std::size_t(s)]->isCaughtUp()) {
                        waiting = s;
                        break;
                    }
                    continue; // read to its end: it does not hold the others back
                }
                if (best < 0 || m_cursors[std::size_t(s)].head() < m_cursors[std::size_t(best)].head())
                    best = s;
            }
            if (waiting >= 0) {
                result = waiting;
                break;
            }
            if (best < 0) {
                result = idle;
                break;
            }
            // The best source goes on while it stays before every other head: runs, not rows.
            qint64 limitTime = std::numeric_limits<qint64>::max();
            int limitSource = count;
            for (int s = 0; s < count; ++s) {
                const MergeCursor& other = m_cursors[std::size_t(s)];
                if (s == best || !other.hasHead())
                    continue;
                if (other.head() < limitTime || (other.head() == limitTime && s < limitSource)) {
                    limitTime = other.head();
                    limitSource = s;
                }
            }
            MergeCursor& cursor = m_cursors[std::size_t(best)];
            do {
                batch.push_back(quint8(best));
                ++cursor.pos;
                ++cursor.next;
            } while (cursor.hasHead() && int(batch.size()) < mergeBatchRows
                && (cursor.head() < limitTime || (cursor.head() == limitTime && best < limitSource)));
        }
        if (!batch.empty()) {
            QWriteLocker locker(&lock);
            for (const quint8 source : batch)
                merged.append(source);
            if (result == idle || result >= 0)
                result = progressed; // report the progress first; the next call says what it waits for
        }
        return result;
    }

    // Makes sure the source has a buffered head; false when all its indexed lines are merged.
    bool fill(int s)
    {
        MergeCursor& cursor = m_cursors[std::size_t(s)];
        if (cursor.hasHead())
            return true;
        cursor.times.clear();
        cursor.pos = 0;
        const LogSource& source = *sources[std::size_t(s)];
        const qint64 available = source.lineCount() - cursor.next;
        if (available <= 0)
            return false;
        // Stops when the visitor has what it needs: nothing to check afterwards.
        source.readLines(
            cursor.next, qMin<qint64>(available, timesPerFill),
            [&](const LogLineBlock& block) {
                for (qsizetype i = 0; i < block.count; ++i) {
                    if (const auto time = leadingTimestamp(block.line(i)); time && *time > cursor.runningMax)
                        cursor.runningMax = *time;
                    cursor.times.push_back(cursor.runningMax);
                }
                return true;
            },
            windowBytes);
        return cursor.hasHead();
    }

    mutable QReadWriteLock lock;
    std::vector<std::unique_ptr<LogSource>> sources;
    MergedOrder merged;
    std::atomic<quint64> generation { 1 };
    std::atomic<bool> stopRequested { false };
    std::atomic<bool> idleNow { false };
    QList<LogSourceError> extraErrors;
    QList<std::pair<quint64, LogRowLocation>> truncations; // generation it started, where

private:
    bool m_opened = false;
    std::vector<MergeCursor> m_cursors;
};

// Runs the indexer in the document's worker thread: slices of work queued one after the other
// (so stop and follow requests get through), and the follow checks.
class LogDocument::Worker : public QObject
{
public:
    Worker(LogDocument* document, Indexer* indexer)
        : m_document(document)
        , m_indexer(indexer)
    { }

    void scheduleWork()
    {
        m_indexer->idleNow.store(false);
        if (m_workPosted)
            return;
        m_workPosted = true;
        QMetaObject::invokeMethod(
            this, [this] { work(); }, Qt::QueuedConnection);
    }

    void setFollowing(bool follow)
    {
        if (follow == bool(m_timer))
            return;
        if (!follow) {
            delete m_timer;
            m_timer = nullptr;
            delete m_watcher;
            m_watcher = nullptr;
            delete m_coalesce;
            m_coalesce = nullptr;
            return;
        }
        m_timer = new QTimer(this);
        m_timer->setInterval(followIntervalMs);
        QObject::connect(m_timer, &QTimer::timeout, this, [this] { pollNow(); });
        m_timer->start();
        // inotify answers at once; the timer covers network filesystems that never tell.
        m_coalesce = new QTimer(this);
        m_coalesce->setSingleShot(true);
        m_coalesce->setInterval(20);
        QObject::connect(m_coalesce, &QTimer::timeout, this, [this] { pollNow(); });
        m_watcher = new QFileSystemWatcher(this);
        QObject::connect(m_watcher, &QFileSystemWatcher::fileChanged, m_coalesce, qOverload<>(&QTimer::start));
        QObject::connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_coalesce, qOverload<>(&QTimer::start));
        updateWatches();
        pollNow();
    }

private:
    void work()
    {
        m_workPosted = false;
        if (m_indexer->stopRequested.load())
            return;
        // The first slice is a single read: the first screen is announced at once.
        const bool more = m_indexer->step(m_announced.isValid() ? 20 : 0);
        if (!more) {
            m_indexer->idleNow.store(true);
            m_document->m_finished.store(true);
        }
        if (!more || !m_announced.isValid() || m_announced.elapsed() >= announceIntervalMs)
            announce();
        if (more)
            scheduleWork();
        else if (m_watcher)
            updateWatches();
    }

    void pollNow()
    {
        if (m_indexer->stopRequested.load())
            return;
        const quint64 generation = m_indexer->generation.load();
        if (m_indexer->poll())
            scheduleWork();
        if (generation != m_indexer->generation.load())
            announce();
        if (m_watcher)
            updateWatches();
    }

    void updateWatches()
    {
        QStringList wanted;
        {
            QReadLocker locker(&m_indexer->lock);
            for (const auto& source : m_indexer->sources)
                wanted += source->watchPaths();
        }
        const QStringList watched = m_watcher->files() + m_watcher->directories();
        for (const QString& path : std::as_const(wanted)) {
            if (!watched.contains(path))
                m_watcher->addPath(path); // fails quietly for a path that is not there yet
        }
    }

    void announce()
    {
        m_announced.start();
        LogDocument* document = m_document;
        if (!document->m_announcePending.exchange(true)) {
            QMetaObject::invokeMethod(
                document,
                [document] {
                    document->m_announcePending.store(false);
                    document->announce();
                },
                Qt::QueuedConnection);
        }
    }

    LogDocument* m_document;
    Indexer* m_indexer;
    bool m_workPosted = false;
    QElapsedTimer m_announced;
    QTimer* m_timer = nullptr;
    QTimer* m_coalesce = nullptr;
    QFileSystemWatcher* m_watcher = nullptr;
};

LogDocument::LogDocument(const QList<LogSourceSpec>& sources, QObject* parent)
    : QObject(parent)
    , m_indexer(std::make_unique<Indexer>(sources))
{
    for (const auto& source : m_indexer->sources)
        m_storages.append(source->storage());
}

LogDocument::~LogDocument()
{
    m_indexer->stopRequested.store(true);
    m_thread.reset(); // waits for the slice in work; the worker is deleted in its thread
}

void LogDocument::start()
{
    if (m_thread)
        return;
    m_thread = std::make_unique<LogWorkerThread>(QStringLiteral("log index"));
    m_worker = new Worker(this, m_indexer.get());
    m_thread->adopt(m_worker);
    Worker* worker = m_worker;
    const bool follow = m_following;
    QMetaObject::invokeMethod(
        worker,
        [worker, follow] {
            worker->scheduleWork();
            if (follow)
                worker->setFollowing(true);
        },
        Qt::QueuedConnection);
}

void LogDocument::setFollowing(bool follow)
{
    if (m_following == follow)
        return;
    m_following = follow;
    if (Worker* worker = m_worker)
        QMetaObject::invokeMethod(
            worker, [worker, follow] { worker->setFollowing(follow); }, Qt::QueuedConnection);
}

bool LogDocument::indexSome(int budgetMs)
{
    Q_ASSERT(!m_thread);
    const bool more = m_indexer->step(budgetMs);
    if (!more) {
        m_indexer->idleNow.store(true);
        m_finished.store(true);
    }
    announce();
    return more;
}

bool LogDocument::indexAll(const std::atomic<bool>* stop)
{
    while (indexSome()) {
        if (stop && stop->load())
            return false;
    }
    return true;
}

bool LogDocument::poll()
{
    Q_ASSERT(!m_thread);
    const bool changed = m_indexer->poll();
    if (changed)
        m_indexer->idleNow.store(false);
    announce();
    return changed;
}

void LogDocument::announce()
{
    const Indexer& indexer = *m_indexer;
    quint64 generation = 0;
    qint64 live = 0;
    indexer.lock.lockForRead(); // the count and its generation together
    generation = indexer.generation.load(std::memory_order_acquire);
    live = indexer.rowCount();
    indexer.lock.unlock();
    const QList<LogSourceError> allErrors = errors();
    if (generation != m_announcedGeneration) {
        m_announcedGeneration = generation;
        m_announcedRows.store(live);
        emit reset(generation);
    } else if (live > m_announcedRows.load()) {
        const qint64 first = m_announcedRows.load();
        m_announcedRows.store(live);
        emit rowsAppended(first, live - 1);
    }
    for (const LogSourceError& error : std::as_const(allErrors)) {
        if (!m_announcedErrors.contains(error)) {
            m_announcedErrors.append(error);
            emit errorOccurred(error);
        }
    }
    emit progressChanged(progress());
    if (m_finished.load() && !m_finishedAnnounced) {
        m_finishedAnnounced = true;
        emit indexingFinished();
    }
}

qint64 LogDocument::indexedRowCount() const
{
    QReadLocker locker(&m_indexer->lock);
    return m_indexer->rowCount();
}

quint64 LogDocument::generation() const
{
    return m_indexer->generation.load();
}

LogRowLocation LogDocument::locate(qint64 row) const
{
    QReadLocker locker(&m_indexer->lock);
    return m_indexer->locate(row);
}

QByteArray LogDocument::rawLine(qint64 row) const
{
    QReadLocker locker(&m_indexer->lock);
    const LogRowLocation location = m_indexer->locate(row);
    if (!location.isValid())
        return {};
    return m_indexer->sources[std::size_t(location.source)]->line(location.line);
}

LogRow LogDocument::row(qint64 row) const
{
    const QList<LogRow> list = rows(row, 1);
    if (list.isEmpty())
        return {};
    return list.first();
}

QList<LogRow> LogDocument::rows(qint64 first, qint64 count) const
{
    QList<LogRow> result;
    // Generation 0 and a visitor that never stops: it reads every row asked for.
    visitRows(first, first + count, 0, [&](const LogRowBlock& block) {
        for (qsizetype i = 0; i < block.lines.count; ++i) {
            LogRow row = LogRow::parse(block.lines.line(i));
            row.row = block.firstRow + i;
            row.source = block.source;
            row.storage = m_storages.value(block.source);
            result.append(std::move(row));
        }
        return true;
    });
    return result;
}

QList<LogRow> LogDocument::rows(const QList<qint64>& rowNumbers) const
{
    QList<LogRow> result;
    qsizetype i = 0;
    while (i < rowNumbers.size()) {
        qsizetype j = i + 1;
        while (j < rowNumbers.size() && rowNumbers.at(j) == rowNumbers.at(j - 1) + 1)
            ++j;
        result += rows(rowNumbers.at(i), rowNumbers.at(j - 1) - rowNumbers.at(i) + 1);
        i = j;
    }
    return result;
}

bool LogDocument::visitRows(
    qint64 first, qint64 last, quint64 generation, const std::function<bool(const LogRowBlock&)>& visit) const
{
    Indexer& indexer = *m_indexer;
    qint64 row = qMax<qint64>(0, first);
    std::vector<LineWindow> windows(indexer.sources.size());
    quint64 windowsGeneration = 0;
    while (row < last) {
        QReadLocker locker(&indexer.lock);
        const quint64 current = indexer.generation.load();
        if (generation != 0 && current != generation)
            return false;
        if (current != windowsGeneration) {
            windows.assign(indexer.sources.size(), LineWindow());
            windowsGeneration = current;
        }
        const qint64 end = qMin(last, indexer.rowCount());
        if (row >= end)
            return true;
        const qint64 chunkEnd = qMin(end, row + rowsPerLock);
        qint64 bytes = 0;
        bool stopped = false;
        if (!indexer.isMerged()) {
            // Whether the visitor stopped is recorded by the visitor itself (stopped).
            indexer.sources.front()->readLines(row, chunkEnd - row, [&](const LogLineBlock& lines) {
                if (!visit(LogRowBlock { lines.firstLine, 0, lines })) {
                    stopped = true;
                    return false;
                }
                row = lines.firstLine + lines.count;
                bytes += lines.data.size();
                return bytes < bytesPerLock;
            });
            if (stopped)
                return false;
            row = qMax(row, bytes < bytesPerLock ? chunkEnd : row);
            continue;
        }
        std::vector<qint64> next = indexer.merged.countsBefore(row);
        while (row < chunkEnd && bytes < bytesPerLock) {
            const int source = indexer.merged.sourceAt(row);
            qint64 runEnd = row + 1;
            while (runEnd < chunkEnd && indexer.merged.sourceAt(runEnd) == source)
                ++runEnd;
            qint64& line = next[std::size_t(source)];
            LineWindow& window = windows[std::size_t(source)];
            while (row < runEnd) {
                if (!window.contains(line))
                    window.fill(*indexer.sources[std::size_t(source)], line);
                LogRowBlock block;
                block.firstRow = row;
                block.source = source;
                block.lines.firstLine = line;
                if (window.contains(line)) {
                    const qint64 n = qMin(runEnd - row, window.firstLine + window.count - line);
                    block.lines.data = window.data;
                    block.lines.spans = window.spans.data() + (line - window.firstLine);
                    block.lines.count = n;
                    bytes += qint64(block.lines.spans[n - 1].end) - qint64(block.lines.spans[0].begin);
                } else {
                    // A line the source cannot read any more (its file shrank): an empty row.
                    static const LogLineSpan empty;
                    block.lines.spans = &empty;
                    block.lines.count = 1;
                }
                if (!visit(block))
                    return false;
                row += block.lines.count;
                line += block.lines.count;
            }
        }
    }
    return true;
}

QList<LogRowLocation> LogDocument::truncatedSince(quint64 generation) const
{
    QList<LogRowLocation> result;
    QReadLocker locker(&m_indexer->lock);
    for (const auto& [started, location] : m_indexer->truncations) {
        if (started <= generation)
            continue;
        // Named capture: clang before 16 cannot capture a structured binding.
        auto it = std::find_if(result.begin(), result.end(),
            [&truncated = location](const LogRowLocation& l) { return l.source == truncated.source; });
        if (it == result.end())
            result.append(location);
        else
            it->line = qMin(it->line, location.line);
    }
    return result;
}

LogDocumentStats LogDocument::stats() const
{
    LogDocumentStats stats;
    QReadLocker locker(&m_indexer->lock);
    stats.rows = m_indexer->rowCount();
    for (const auto& source : m_indexer->sources) {
        stats.bytesIndexed += source->bytesIndexed();
        stats.indexMemoryBytes += source->indexMemoryBytes();
        stats.lineIndexBytes += source->lineIndexBytes();
        stats.files += source->fileCount();
    }
    if (m_indexer->isMerged()) {
        stats.indexMemoryBytes += m_indexer->merged.memoryBytes();
        stats.lineIndexBytes += m_indexer->merged.memoryBytes();
    }
    return stats;
}

LogIndexProgress LogDocument::progress() const
{
    LogIndexProgress progress;
    QReadLocker locker(&m_indexer->lock);
    progress.rows = m_indexer->rowCount();
    for (const auto& source : m_indexer->sources)
        source->progressBytes(progress.bytesDone, progress.bytesTotal);
    progress.finished = m_indexer->idleNow.load();
    return progress;
}

QList<LogSourceError> LogDocument::errors() const
{
    QReadLocker locker(&m_indexer->lock);
    QList<LogSourceError> all = m_indexer->extraErrors;
    for (const auto& source : m_indexer->sources)
        all += source->errors();
    return all;
}

} // namespace pk
