#pragma once

// Migration jobs for the migrations view: phase, progress, bytes, rate and ETA, newest first.
// Rows are updated in place (RowTableModel), so the selection survives a refresh.

#include "configdb/enginerecords.h"
#include "migration/migrationjob.h"
#include "rowtablemodel.h"

#include <QHash>

namespace pk {

class JobModel : public RowTableModel<JobRecord>
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        UserColumn,
        RouteColumn,
        PhaseColumn,
        ProgressColumn,
        BytesColumn,
        RateColumn,
        EtaColumn,
        StateColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Role { JobIdRole = Qt::UserRole + 1, ProgressRole, IsActiveRole, StateRole };

    explicit JobModel(QObject* parent = nullptr);

    void setJobs(const QList<JobRecord>& jobs);
    void setProgress(const JobProgress& progress);
    const QList<JobRecord>& jobs() const { return rows(); }
    std::optional<JobRecord> job(qint64 id) const;

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QHash<qint64, JobProgress> m_progress;
};

} // namespace pk
