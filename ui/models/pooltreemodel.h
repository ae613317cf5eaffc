#pragma once

// The sidebar: pools with their storages below, each with a state icon and its utilisation.

#include "master/poolstatus.h"

#include <QAbstractItemModel>

namespace pk {

class PoolTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, UsedColumn, ColumnCount };
    enum Role { PoolNameRole = Qt::UserRole + 1, StorageNameRole, IsPoolRole };

    explicit PoolTreeModel(QObject* parent = nullptr);

    // Keeps rows that stay (selection and expansion survive live updates).
    void setPools(const QList<PoolStatus>& pools);
    const QList<PoolStatus>& pools() const { return m_pools; }
    QModelIndex indexOfPool(const QString& name) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<PoolStatus> m_pools;
};

} // namespace pk
