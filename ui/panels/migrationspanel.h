#pragma once

// Migration jobs: phase, progress, bytes, rate and ETA; cancel with confirmation; the reason of a
// failed job; a job's inSyncMigration.log lines.

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;
class QSortFilterProxyModel;

namespace pk {

class EngineController;
class JobModel;

class MigrationsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit MigrationsPanel(EngineController* controller, QWidget* parent = nullptr);

    JobModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QPushButton* cancelButton() const { return m_cancel; }
    QPushButton* logButton() const { return m_log; }
    qint64 selectedJob() const;
    void selectJob(qint64 id);

    // Confirms, then asks the engine to cancel the selected job. askConfirmation false: tests.
    void cancelSelected(bool askConfirmation = true);
    void showLogOfSelected();

signals:
    void logRequested(qint64 jobId);

private:
    void updateDetails();

    EngineController* m_controller;
    JobModel* m_model;
    QTableView* m_table;
    QLabel* m_details;
    QPushButton* m_cancel;
    QPushButton* m_log;
};

} // namespace pk
