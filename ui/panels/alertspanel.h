#pragma once

// Alerts with time and storage; an operator acknowledges them.

#include <QWidget>

class QPushButton;
class QTableView;

namespace pk {

class EngineController;
class AlertModel;

class AlertsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit AlertsPanel(EngineController* controller, QWidget* parent = nullptr);
    AlertModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    void acknowledgeSelected();

private:
    EngineController* m_controller;
    AlertModel* m_model;
    QTableView* m_table;
    QPushButton* m_acknowledge;
};

} // namespace pk
