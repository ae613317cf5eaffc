#include "scanmodel.h"

#include "icons.h"
#include "theme.h"
#include "util/sizes.h"

namespace pk {

ScanModel::ScanModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void ScanModel::setScan(const ScanReport& report)
{
    beginResetModel();
    m_scan = report;
    m_unchecked.clear();
    endResetModel();
}

void ScanModel::setPlan(const PlanRecord& plan)
{
    m_plan = plan;
    m_destination.clear();
    for (const PlannedMove& move : plan.moves)
        m_destination.insert(move.userName, move.toName);
    m_unchecked.clear();
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void ScanModel::clear()
{
    beginResetModel();
    m_scan = {};
    m_plan = {};
    m_destination.clear();
    m_unchecked.clear();
    endResetModel();
}

QStringList ScanModel::checkedUsers() const
{
    QStringList users;
    for (const PlannedMove& move : m_plan.moves) {
        if (!m_unchecked.contains(move.userName))
            users.append(move.userName);
    }
    return users;
}

int ScanModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_scan.entries.size());
}

int ScanModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ScanModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ScanEntry& entry = m_scan.entries.at(index.row());
    const bool planned = m_destination.contains(entry.userName);
    const bool inconsistent = entry.reason.startsWith(QLatin1String("inconsistent"));
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case UserColumn:
            return entry.userName;
        case StorageColumn:
            return entry.storageName;
        case SizeColumn:
            return formatBytes(entry.bytes);
        case SnapshotsColumn:
            return entry.snapshots;
        case ConsistencyColumn:
            return inconsistent
                ? tr("Inconsistent")
                : (entry.reason.startsWith(QLatin1String("already")) ? tr("Not checked") : tr("Consistent"));
        case DestinationColumn:
            return planned ? m_destination.value(entry.userName) : QString();
        case ReasonColumn:
            if (planned)
                return tr("Moves to %1").arg(m_destination.value(entry.userName));
            return entry.candidate ? tr("Movable; not needed to balance the pool") : entry.reason;
        }
        return {};
    case Qt::CheckStateRole:
        if (index.column() == UserColumn && planned)
            return m_unchecked.contains(entry.userName) ? Qt::Unchecked : Qt::Checked;
        return {};
    case Qt::DecorationRole:
        if (index.column() == ConsistencyColumn && inconsistent)
            return icons::alert();
        return {};
    case Qt::ForegroundRole:
        if (index.column() == ReasonColumn && !entry.candidate)
            return theme::aboveHigh();
        return {};
    case Qt::ToolTipRole:
        return entry.reason;
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn || index.column() == SnapshotsColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case UserNameRole:
        return entry.userName;
    case CandidateRole:
        return entry.candidate;
    case PlannedRole:
        return planned;
    }
    return {};
}

bool ScanModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || role != Qt::CheckStateRole || index.column() != UserColumn)
        return false;
    const QString user = m_scan.entries.at(index.row()).userName;
    if (!m_destination.contains(user))
        return false;
    if (value.value<Qt::CheckState>() == Qt::Checked)
        m_unchecked.remove(user);
    else
        m_unchecked.insert(user);
    emit dataChanged(index, index, { Qt::CheckStateRole });
    return true;
}

Qt::ItemFlags ScanModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == UserColumn
        && m_destination.contains(m_scan.entries.at(index.row()).userName))
        flags |= Qt::ItemIsUserCheckable;
    return flags;
}

QVariant ScanModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[]
        = { QT_TR_NOOP("User"), QT_TR_NOOP("Storage"), QT_TR_NOOP("Size"), QT_TR_NOOP("Snapshots"),
              QT_TR_NOOP("Consistency"), QT_TR_NOOP("Proposed destination"), QT_TR_NOOP("Decision") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace pk
