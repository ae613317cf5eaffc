#pragma once

// One pool at a glance: its state badge, the capacity chart with watermarks and reservations,
// utilisation over time, and its storages.

#include "master/poolstatus.h"

#include <QWidget>

class QLabel;
class QTableView;

namespace pk {

class EngineController;
class CapacityChart;
class HistoryChart;
class StateBadge;
class StorageTableModel;

class DashboardPanel : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardPanel(EngineController* controller, QWidget* parent = nullptr);

    void setPoolName(const QString& pool);
    QString poolName() const { return m_pool; }
    CapacityChart* capacityChart() const { return m_capacity; }
    HistoryChart* historyChart() const { return m_history; }
    StateBadge* badge() const { return m_badge; }
    StorageTableModel* storageModel() const { return m_storages; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    void updateFromController();
    void requestHistory();

    EngineController* m_controller;
    QString m_pool;
    StateBadge* m_badge;
    QLabel* m_summary;
    CapacityChart* m_capacity;
    HistoryChart* m_history;
    StorageTableModel* m_storages;
    QTableView* m_table;
    bool m_historyRequested = false;
};

} // namespace pk
