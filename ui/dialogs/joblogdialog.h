#pragma once

// The inSyncMigration.log lines of one job, from its source and destination storages.

#include <QDialog>

class QLabel;
class QTableView;

namespace pk {

struct JobLog;
class JobLogModel;

class JobLogDialog : public QDialog
{
    Q_OBJECT
public:
    JobLogDialog(qint64 jobId, QWidget* parent = nullptr);
    qint64 jobId() const { return m_jobId; }
    void setLog(const JobLog& log);
    JobLogModel* model() const { return m_model; }

private:
    qint64 m_jobId;
    JobLogModel* m_model;
    QTableView* m_table;
    QLabel* m_problems;
};

} // namespace pk
