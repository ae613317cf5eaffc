#pragma once

// Reviewing a pool's scan: every user on its marked storages with size, snapshots, consistency,
// the proposed destination and, when it cannot move, why; the projected utilisation before and
// after; one click approves the whole plan. In automatic mode it shows what was decided.

#include "configdb/enginerecords.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace pk {

class EngineController;
class ProjectionChart;
class ScanModel;

class ScanReviewPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ScanReviewPanel(EngineController* controller, QWidget* parent = nullptr);

    void setPoolName(const QString& pool);
    // Runs a scan and, once done, a plan.
    void scan();
    void approveAll();
    void approveSelected();
    void reject();

    ScanModel* model() const { return m_model; }
    ProjectionChart* chart() const { return m_chart; }
    QPushButton* approveButton() const { return m_approveAll; }
    QPushButton* scanButton() const { return m_scanButton; }
    QTableView* table() const { return m_table; }
    bool isBusy() const { return m_busy; }

signals:
    void busyChanged(bool busy);

private:
    void setBusy(bool busy, const QString& status = {});
    void updateButtons();
    void showPlan(const PlanRecord& plan);

    EngineController* m_controller;
    QString m_pool;
    ScanModel* m_model;
    ProjectionChart* m_chart;
    QTableView* m_table;
    QLabel* m_status;
    QLabel* m_notes;
    QPushButton* m_scanButton;
    QPushButton* m_approveAll;
    QPushButton* m_approveSelected;
    QPushButton* m_reject;
    bool m_busy = false;
};

} // namespace pk
