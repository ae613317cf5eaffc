#include "pooltreemodel.h"

#include "icons.h"
#include "theme.h"
#include "util/sizes.h"

namespace pk {

namespace {
// Internal ids: 0 for a pool row, poolRow + 1 for a storage row.
constexpr quintptr poolId = 0;
} // namespace

PoolTreeModel::PoolTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
{ }

void PoolTreeModel::setPools(const QList<PoolStatus>& pools)
{
    bool sameShape = pools.size() == m_pools.size();
    for (qsizetype i = 0; sameShape && i < pools.size(); ++i) {
        sameShape = pools.at(i).pool.id == m_pools.at(i).pool.id
            && pools.at(i).storages.size() == m_pools.at(i).storages.size();
        for (qsizetype s = 0; sameShape && s < pools.at(i).storages.size(); ++s)
            sameShape = pools.at(i).storages.at(s).usage.storage.id == m_pools.at(i).storages.at(s).usage.storage.id;
    }
    if (!sameShape) {
        beginResetModel();
        m_pools = pools;
        endResetModel();
        return;
    }
    m_pools = pools;
    if (m_pools.isEmpty())
        return;
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    for (int row = 0; row < rowCount(); ++row) {
        const QModelIndex pool = index(row, 0);
        if (rowCount(pool) > 0)
            emit dataChanged(index(0, 0, pool), index(rowCount(pool) - 1, ColumnCount - 1, pool));
    }
}

QModelIndex PoolTreeModel::indexOfPool(const QString& name) const
{
    for (int row = 0; row < m_pools.size(); ++row) {
        if (m_pools.at(row).pool.name == name)
            return index(row, 0);
    }
    return {};
}

QModelIndex PoolTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, poolId);
    return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex PoolTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == poolId)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, poolId);
}

int PoolTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return static_cast<int>(m_pools.size());
    if (parent.internalId() == poolId && parent.column() == 0)
        return static_cast<int>(m_pools.at(parent.row()).storages.size());
    return 0;
}

int PoolTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant PoolTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const bool isPool = index.internalId() == poolId;
    const PoolStatus& pool = m_pools.at(isPool ? index.row() : static_cast<int>(index.internalId() - 1));
    if (role == PoolNameRole)
        return pool.pool.name;
    if (role == IsPoolRole)
        return isPool;
    if (isPool) {
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == NameColumn)
                return pool.pool.name;
            if (index.column() == StateColumn)
                return displayName(pool.state);
            return {};
        case Qt::DecorationRole:
            return index.column() == NameColumn ? icons::poolState(pool.state) : QVariant();
        case Qt::ToolTipRole:
            return tr("Pool %1: %2 (high %3 %, low %4 %, %5 mode)")
                .arg(pool.pool.name, displayName(pool.state))
                .arg(pool.pool.highPercent)
                .arg(pool.pool.lowPercent)
                .arg(toString(pool.pool.mode));
        default:
            return {};
        }
    }
    const StorageStatus& storage = pool.storages.at(index.row());
    const StorageState state = storage.usage.effectiveState();
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return storage.usage.storage.name;
        if (index.column() == StateColumn)
            return displayName(state);
        return formatPercent(storage.usage.usedPercent());
    case Qt::DecorationRole:
        return index.column() == NameColumn ? icons::storageState(state) : QVariant();
    case Qt::TextAlignmentRole:
        return index.column() == UsedColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case Qt::ToolTipRole:
        return tr("%1: %2 of %3 used, %4 users%5\n%6")
            .arg(storage.usage.storage.name, formatBytes(storage.usage.storage.usedBytes),
                formatBytes(storage.usage.capacityBytes))
            .arg(storage.users)
            .arg(storage.paused ? tr("; compaction and synchronization paused by a migration") : QString(),
                storage.usage.storage.rootPath);
    case StorageNameRole:
        return storage.usage.storage.name;
    default:
        return {};
    }
}

QVariant PoolTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Pool / storage");
    case StateColumn:
        return tr("State");
    case UsedColumn:
        return tr("Used");
    }
    return {};
}

} // namespace pk
