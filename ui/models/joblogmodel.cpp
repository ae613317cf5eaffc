#include "joblogmodel.h"

#include "theme.h"

#include <QDateTime>

namespace pk {

JobLogModel::JobLogModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void JobLogModel::setLog(const JobLog& log)
{
    beginResetModel();
    m_log = log;
    endResetModel();
}

int JobLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_log.lines.size());
}

int JobLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobLogModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JobLogLine& line = m_log.lines.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(line.record.timeMs, Qt::UTC)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case StorageColumn:
            return line.storage;
        case LevelColumn:
            return toString(line.record.level);
        case PhaseColumn:
            return line.record.field(logkey::phase);
        case MessageColumn:
            return line.record.field(logkey::msg);
        }
    }
    if (role == Qt::ForegroundRole && index.column() == LevelColumn) {
        if (line.record.level == LogLevel::Error)
            return theme::aboveHigh();
        if (line.record.level == LogLevel::Warn)
            return theme::marked();
    }
    return {};
}

QVariant JobLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[] = { QT_TR_NOOP("Time (UTC)"), QT_TR_NOOP("Storage"), QT_TR_NOOP("Level"),
        QT_TR_NOOP("Phase"), QT_TR_NOOP("Message") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace pk
