#include "alertspanel.h"

#include "enginecontroller.h"
#include "models/alertmodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace pk {

AlertsPanel::AlertsPanel(EngineController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_model(new AlertModel(this))
    , m_table(new QTableView(this))
    , m_acknowledge(new QPushButton(tr("Ac&knowledge"), this))
{
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(true);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_acknowledge);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    connect(m_acknowledge, &QPushButton::clicked, this, &AlertsPanel::acknowledgeSelected);
    connect(controller, &EngineController::alertsChanged, this, [this] { m_model->setAlerts(m_controller->alerts()); });
    auto updateButton = [this] {
        bool any = false;
        for (const QModelIndex& row : m_table->selectionModel()->selectedRows())
            any = any || !row.data(AlertModel::AcknowledgedRole).toBool();
        m_acknowledge->setEnabled(any);
    };
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, updateButton);
    connect(m_model, &QAbstractItemModel::modelReset, this, updateButton);
    connect(m_model, &QAbstractItemModel::dataChanged, this, updateButton);
    // Alerts that come and go are inserted and removed in place.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, updateButton);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, updateButton);
    updateButton();
}

void AlertsPanel::acknowledgeSelected()
{
    for (const QModelIndex& row : m_table->selectionModel()->selectedRows()) {
        if (!row.data(AlertModel::AcknowledgedRole).toBool())
            m_controller->acknowledgeAlert(row.data(AlertModel::AlertIdRole).toLongLong());
    }
}

} // namespace pk
