#include "logtablemodel.h"

#include "logdocument.h"
#include "logquery.h"

#include <QHash>

#include <climits>

namespace pk {

namespace {

constexpr qint64 jobLookbackRows = 5000;
constexpr int cachedBlocks = 64;

QString cut(const QString& text)
{
    if (text.size() <= LogTableModel::maxDisplayChars)
        return text;
    return text.left(LogTableModel::maxDisplayChars) + QStringLiteral(" …");
}

} // namespace

LogTableModel::LogTableModel(LogDocument* document, QObject* parent)
    : QAbstractTableModel(parent)
    , m_document(document)
    , m_cache(cachedBlocks)
{
    m_rowCount = currentRowCount();
    connect(document, &LogDocument::rowsAppended, this, [this](qint64, qint64 last) {
        if (!m_filtered)
            appendRows(last + 1);
    });
    connect(document, &LogDocument::reset, this, [this] {
        if (!m_filtered)
            resetRows();
    });
}

void LogTableModel::setQueryRunner(LogQueryRunner* runner)
{
    for (const auto& connection : std::as_const(m_runnerConnections))
        disconnect(connection);
    m_runnerConnections.clear();
    m_runner = runner;
    if (runner) {
        m_runnerConnections.append(connect(runner, &LogQueryRunner::restarted, this, [this] {
            if (m_filtered || (m_runner && m_runner->isFiltering())) {
                resetRows();
            } else if (m_rowCount > 0) {
                emit dataChanged(index(0, 0), index(m_rowCount - 1, ColumnCount - 1), { MatchRole });
            }
        }));
        m_runnerConnections.append(connect(runner, &LogQueryRunner::rowsAdded, this, [this] {
            if (m_filtered && m_runner)
                appendRows(m_runner->rows().size());
        }));
        m_runnerConnections.append(connect(runner, &LogQueryRunner::matchesAdded, this, &LogTableModel::matchesAdded));
        m_runnerConnections.append(connect(runner, &QObject::destroyed, this, [this] {
            m_runner = nullptr;
            resetRows();
        }));
    }
    resetRows();
}

bool LogTableModel::filtered() const
{
    return m_runner && m_runner->isFiltering();
}

int LogTableModel::currentRowCount() const
{
    const qint64 count = filtered() ? qint64(m_runner->rows().size()) : m_document->rowCount();
    return int(qMin<qint64>(count, INT_MAX));
}

void LogTableModel::resetRows()
{
    beginResetModel();
    m_cache.clear();
    m_filtered = filtered();
    m_rowCount = currentRowCount();
    endResetModel();
}

void LogTableModel::appendRows(qint64 newCount)
{
    const int count = int(qMin<qint64>(newCount, INT_MAX));
    if (count <= m_rowCount)
        return;
    beginInsertRows(QModelIndex(), m_rowCount, count - 1);
    m_rowCount = count;
    endInsertRows();
}

void LogTableModel::matchesAdded(qint64 first, qint64 last)
{
    if (!m_runner || m_rowCount == 0)
        return;
    const QList<quint32>& matches = m_runner->matches();
    int low = INT_MAX;
    int high = -1;
    for (qint64 i = first; i <= last && i < matches.size(); ++i) {
        const int row = rowForDocumentRow(matches.at(i));
        if (row < 0)
            continue;
        low = qMin(low, row);
        high = qMax(high, row);
    }
    if (high >= 0)
        emit dataChanged(index(low, 0), index(high, ColumnCount - 1), { MatchRole });
}

qint64 LogTableModel::documentRow(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return -1;
    if (m_filtered)
        return m_runner && row < m_runner->rows().size() ? qint64(m_runner->rows().at(row)) : -1;
    return row;
}

int LogTableModel::rowForDocumentRow(qint64 documentRow) const
{
    qint64 row = documentRow;
    if (m_filtered)
        row = m_runner ? m_runner->filteredIndexOf(documentRow) : -1;
    return row >= 0 && row < m_rowCount ? int(row) : -1;
}

LogRow LogTableModel::logRow(int row) const
{
    const Block* cached = block(row);
    if (!cached || row % blockRows >= cached->rows.size())
        return {};
    return cached->rows.at(row % blockRows);
}

std::optional<qint64> LogTableModel::previousJobTime(qint64 documentRow, int source, qint64 job) const
{
    // Backwards in growing windows: the previous line of a job is usually close.
    const QByteArray needle = "job=" + QByteArray::number(job);
    const qint64 limit = qMax<qint64>(0, documentRow - jobLookbackRows);
    qint64 end = documentRow;
    qint64 window = 64;
    while (end > limit) {
        const qint64 start = qMax(limit, end - window);
        std::optional<qint64> found;
        bool any = false;
        // The visitor never stops early and generation 0 never does either: nothing to check.
        m_document->visitRows(start, end, 0, [&](const LogRowBlock& rows) {
            if (rows.source != source)
                return true;
            for (qsizetype i = 0; i < rows.lines.count; ++i) {
                const QByteArrayView line = rows.lines.line(i);
                if (line.indexOf(needle) < 0)
                    continue;
                const LogRow parsed = LogRow::parse(line);
                if (parsed.job == job) {
                    any = true;
                    found = parsed.timeMs;
                }
            }
            return true;
        });
        if (any)
            return found;
        end = start;
        window *= 4;
    }
    return std::nullopt;
}

const LogTableModel::Block* LogTableModel::block(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return nullptr;
    const int key = row / blockRows;
    const int first = key * blockRows;
    const int count = qMin(blockRows, m_rowCount - first);
    // A block read before rows were appended to it is read again (a view, or the model tester,
    // may ask for data while the rows are being inserted).
    if (const Block* cached = m_cache.object(key); cached && cached->rows.size() >= count)
        return cached;
    auto loaded = std::make_unique<Block>();
    if (m_filtered) {
        QList<qint64> rows;
        for (int i = 0; i < count; ++i)
            rows.append(documentRow(first + i));
        loaded->rows = m_document->rows(rows);
    } else {
        loaded->rows = m_document->rows(first, count);
    }
    // Time since the job's previous line in the same storage's log. Unfiltered, the block itself
    // holds most previous lines; a filtered block skips lines, so each row looks back itself.
    QHash<QPair<int, qint64>, std::optional<qint64>> last;
    for (const LogRow& line : std::as_const(loaded->rows)) {
        std::optional<qint64> since;
        if (line.job && line.timeMs) {
            const QPair<int, qint64> jobKey(line.source, *line.job);
            std::optional<qint64> previous;
            const auto it = last.constFind(jobKey);
            if (!m_filtered && it != last.constEnd())
                previous = *it;
            else
                previous = previousJobTime(line.row, line.source, *line.job);
            if (previous)
                since = *line.timeMs - *previous;
            last.insert(jobKey, line.timeMs);
        }
        loaded->since.append(since);
    }
    if (loaded->rows.size() < count) {
        // The document has fewer rows than announced: it is being reset (a truncated file) and a
        // reset signal is on its way. Show what there is, but do not keep it.
        m_incomplete = std::move(loaded);
        return m_incomplete.get();
    }
    Block* raw = loaded.release();
    m_cache.insert(key, raw);
    return raw;
}

int LogTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
}

int LogTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.column() >= ColumnCount)
        return {};
    const Block* cached = block(index.row());
    const int i = index.row() % blockRows;
    if (!cached || i >= cached->rows.size())
        return {};
    const LogRow& row = cached->rows.at(i);
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case TimeColumn:
            return row.timeText();
        case SinceColumn: {
            const std::optional<qint64>& since = cached->since.at(i);
            return since ? formatElapsed(*since) : QString();
        }
        case LevelColumn:
            return row.level ? toString(*row.level) : QString();
        case StorageColumn:
            return row.storage;
        case JobColumn:
            return row.jobText;
        case UserColumn:
            return row.user;
        case SourceColumn:
            return row.src;
        case DestinationColumn:
            return row.dst;
        case PhaseColumn:
            return row.phase;
        case MessageColumn:
            if (row.logfmt && !row.extra.isEmpty())
                return cut(row.message.isEmpty() ? row.extra : row.message + QStringLiteral("  ") + row.extra);
            return cut(row.message);
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        return cut(row.text());
    case Qt::TextAlignmentRole:
        if (index.column() == JobColumn || index.column() == SinceColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return {};
    case LevelRole:
        return row.level ? int(*row.level) : -1;
    case RawLineRole:
        return row.text();
    case DocumentRowRole:
        return row.row;
    case TimeMsRole:
        return row.timeMs ? QVariant(*row.timeMs) : QVariant();
    case JobRole:
        return row.job ? QVariant(*row.job) : QVariant();
    case MatchRole:
        return bool(m_runner && m_runner->isMatch(row.row));
    case LogfmtRole:
        return row.logfmt;
    case StorageRole:
        return row.storage;
    case EventRole:
        return row.event;
    default:
        return {};
    }
}

QVariant LogTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case TimeColumn:
        return tr("Time (UTC)");
    case SinceColumn:
        return tr("Since");
    case LevelColumn:
        return tr("Level");
    case StorageColumn:
        return tr("Storage");
    case JobColumn:
        return tr("Job");
    case UserColumn:
        return tr("User");
    case SourceColumn:
        return tr("Source");
    case DestinationColumn:
        return tr("Destination");
    case PhaseColumn:
        return tr("Phase");
    case MessageColumn:
        return tr("Message");
    case ColumnCount:
        break;
    }
    return {};
}

QHash<int, QByteArray> LogTableModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(LevelRole, "level");
    names.insert(RawLineRole, "rawLine");
    names.insert(DocumentRowRole, "documentRow");
    names.insert(TimeMsRole, "timeMs");
    names.insert(JobRole, "job");
    names.insert(MatchRole, "match");
    names.insert(LogfmtRole, "logfmt");
    names.insert(StorageRole, "storage");
    names.insert(EventRole, "event");
    return names;
}

} // namespace pk
