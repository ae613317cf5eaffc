#pragma once

// The storages of one pool on the dashboard: state, used bytes, capacity, users, paused work.

#include "master/poolstatus.h"

#include <QAbstractTableModel>

namespace pk {

class StorageTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StateColumn,
        UsedColumn,
        CapacityColumn,
        PercentColumn,
        UsersColumn,
        NoteColumn,
        ColumnCount
    };

    explicit StorageTableModel(QObject* parent = nullptr);

    void setPool(const PoolStatus& pool);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    PoolStatus m_pool;
};

} // namespace pk
