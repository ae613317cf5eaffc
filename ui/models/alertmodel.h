#pragma once

// Alerts: Low Free Space Available and failed migrations, with time and storage; unacknowledged
// ones are shown in bold.

#include "configdb/enginerecords.h"
#include "rowtablemodel.h"

namespace pk {

class AlertModel : public RowTableModel<AlertRecord>
{
    Q_OBJECT
public:
    enum Column { TimeColumn, StorageColumn, KindColumn, MessageColumn, ColumnCount };
    enum Role { AlertIdRole = Qt::UserRole + 1, AcknowledgedRole };

    explicit AlertModel(QObject* parent = nullptr);

    void setAlerts(const QList<AlertRecord>& alerts);
    const QList<AlertRecord>& alerts() const { return rows(); }

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString kindName(const QString& kind);
};

} // namespace pk
