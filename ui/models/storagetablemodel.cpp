#include "storagetablemodel.h"

#include "icons.h"
#include "theme.h"
#include "util/sizes.h"

namespace pk {

StorageTableModel::StorageTableModel(QObject* parent)
    : RowTableModel(
        ColumnCount, [](const StorageStatus& storage) { return storage.usage.storage.id; }, parent)
{ }

void StorageTableModel::setPool(const PoolStatus& pool)
{
    // Another pool has no storage in common with the shown one.
    if (pool.pool.id != m_poolId) {
        m_poolId = pool.pool.id;
        resetRows(pool.storages);
        return;
    }
    setRows(pool.storages);
}

QVariant StorageTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StorageStatus& storage = rowAt(index.row());
    const StorageUsage& usage = storage.usage;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return usage.storage.name;
        case StateColumn:
            return displayName(usage.effectiveState());
        case UsedColumn:
            return formatBytes(usage.storage.usedBytes);
        case CapacityColumn:
            return usage.storage.quotaBytes ? formatBytes(usage.capacityBytes)
                                            : tr("%1 (filesystem)").arg(formatBytes(usage.capacityBytes));
        case PercentColumn:
            return formatPercent(usage.usedPercent());
        case UsersColumn:
            return storage.users;
        case NoteColumn:
            return storage.paused ? tr("Compaction and synchronization paused (migration)") : QString();
        }
        return {};
    case Qt::DecorationRole:
        return index.column() == NameColumn ? icons::storageState(usage.effectiveState()) : QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() >= UsedColumn && index.column() <= UsersColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        return usage.storage.rootPath;
    }
    return {};
}

QVariant StorageTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[] = { QT_TR_NOOP("Storage"), QT_TR_NOOP("State"), QT_TR_NOOP("Used"),
        QT_TR_NOOP("Capacity"), QT_TR_NOOP("Used %"), QT_TR_NOOP("Users"), QT_TR_NOOP("Note") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace pk
