#pragma once

// The storages of one pool on the dashboard: state, used bytes, capacity, users, paused work.

#include "master/poolstatus.h"
#include "rowtablemodel.h"

namespace pk {

class StorageTableModel : public RowTableModel<StorageStatus>
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

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    qint64 m_poolId = 0;
};

} // namespace pk
