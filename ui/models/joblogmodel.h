#pragma once

// The inSyncMigration.log lines of one job (from its source and destination), for the job view.

#include "engine/joblog.h"

#include <QAbstractTableModel>

namespace pk {

class JobLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, StorageColumn, LevelColumn, PhaseColumn, MessageColumn, ColumnCount };

    explicit JobLogModel(QObject* parent = nullptr);

    void setLog(const JobLog& log);
    const JobLog& log() const { return m_log; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    JobLog m_log;
};

} // namespace pk
