#pragma once

// The log viewer's table model over a LogDocument (Qt Core only; the view and its colours are in
// ui/): reads and parses only the rows the view asks for.

#include "logrow.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QPointer>

#include <memory>

namespace pk {

class LogDocument;
class LogQueryRunner;

// One row per line, or per line that passes a LogQueryRunner's filter. Rows are read and parsed
// when the view asks for them, in cached blocks of 128.
class LogTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        SinceColumn, // time since the previous line of the same job in the same storage's log
        LevelColumn,
        StorageColumn,
        JobColumn,
        UserColumn,
        SourceColumn,
        DestinationColumn,
        PhaseColumn,
        MessageColumn, // msg and the other fields; a line that is not logfmt whole
        ColumnCount
    };
    enum Role {
        LevelRole = Qt::UserRole + 1, // int of LogLevel, -1 when none: the view picks the colour
        RawLineRole, // QString: the whole line
        DocumentRowRole, // qint64
        TimeMsRole, // qint64, null when none
        JobRole, // qint64, null when none
        MatchRole, // bool: the row matches the runner's search (highlight it)
        LogfmtRole, // bool: the line is logfmt
        StorageRole, // QString
        EventRole, // QString
    };
    // Display text is cut beyond this many characters (a 10 MiB line would stall any view);
    // RawLineRole keeps the whole line.
    static constexpr int maxDisplayChars = 4096;

    explicit LogTableModel(LogDocument* document, QObject* parent = nullptr);

    // With a runner the model shows only the rows that pass its filter (all rows when it has
    // none) and answers MatchRole from its search. nullptr: every row, no matches.
    void setQueryRunner(LogQueryRunner* runner);
    LogQueryRunner* queryRunner() const { return m_runner; }
    LogDocument* document() const { return m_document; }

    qint64 documentRow(int row) const;
    // The model row showing a document row, or -1 when it is filtered out or not announced yet.
    int rowForDocumentRow(qint64 documentRow) const;
    LogRow logRow(int row) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    struct Block
    {
        QList<LogRow> rows;
        QList<std::optional<qint64>> since;
    };
    static constexpr int blockRows = 128;
    bool filtered() const;
    int currentRowCount() const;
    const Block* block(int row) const;
    std::optional<qint64> previousJobTime(qint64 documentRow, int source, qint64 job) const;
    void resetRows();
    void appendRows(qint64 newCount);
    void matchesAdded(qint64 first, qint64 last);

    LogDocument* m_document;
    QPointer<LogQueryRunner> m_runner;
    QList<QMetaObject::Connection> m_runnerConnections;
    int m_rowCount = 0;
    bool m_filtered = false;
    mutable QCache<int, Block> m_cache;
    mutable std::unique_ptr<Block> m_incomplete;
};

} // namespace pk
