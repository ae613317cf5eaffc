#include "migrationspanel.h"

#include "enginecontroller.h"
#include "icons.h"
#include "models/jobmodel.h"
#include "progressdelegate.h"
#include "theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace pk {

MigrationsPanel::MigrationsPanel(EngineController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_model(new JobModel(this))
    , m_table(new QTableView(this))
    , m_details(new QLabel(this))
    , m_cancel(new QPushButton(icons::cancel(), tr("&Cancel job…"), this))
    , m_log(new QPushButton(icons::log(), tr("Show &log"), this))
{
    m_table->setModel(m_model);
    m_table->setItemDelegateForColumn(JobModel::ProgressColumn, new ProgressDelegate(JobModel::ProgressRole, this));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(JobModel::ProgressColumn, QHeaderView::Fixed);
    m_table->setColumnWidth(JobModel::ProgressColumn, 140);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_details, 1);
    buttons->addWidget(m_log);
    buttons->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);

    connect(m_cancel, &QPushButton::clicked, this, [this] { cancelSelected(true); });
    connect(m_log, &QPushButton::clicked, this, &MigrationsPanel::showLogOfSelected);
    connect(m_table, &QTableView::doubleClicked, this, &MigrationsPanel::showLogOfSelected);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MigrationsPanel::updateDetails);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MigrationsPanel::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &MigrationsPanel::updateDetails);
    // Jobs that come and go are inserted, removed and moved in place.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &MigrationsPanel::updateDetails);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &MigrationsPanel::updateDetails);
    connect(m_model, &QAbstractItemModel::rowsMoved, this, &MigrationsPanel::updateDetails);
    connect(controller, &EngineController::jobsChanged, this, [this] {
        const qint64 selected = selectedJob();
        m_model->setJobs(m_controller->jobs());
        if (selected > 0 && selectedJob() != selected)
            selectJob(selected);
    });
    connect(controller, &EngineController::progressChanged, this, [this](const QList<qint64>& ids) {
        for (qint64 id : ids) {
            if (const auto progress = m_controller->progress(id))
                m_model->setProgress(*progress);
        }
    });
    updateDetails();
}

qint64 MigrationsPanel::selectedJob() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.constFirst().data(JobModel::JobIdRole).toLongLong();
}

void MigrationsPanel::selectJob(qint64 id)
{
    const int row = m_model->rowOf(id);
    if (row >= 0)
        m_table->selectRow(row);
}

void MigrationsPanel::updateDetails()
{
    const auto job = m_model->job(selectedJob());
    m_cancel->setEnabled(
        job && isActive(job->state) && (job->phase < JobPhase::Switching || job->phase == JobPhase::RollingBack));
    m_log->setEnabled(job.has_value());
    if (!job) {
        m_details->setText(m_model->rowCount() == 0 ? tr("No migrations yet. Approve a plan in Scan review.")
                                                    : tr("Select a job to see its details."));
        return;
    }
    QString text = tr("Job %1: user %2 from %3 to %4, %5.")
                       .arg(job->id)
                       .arg(job->userName, job->fromName, job->toName, displayName(job->state).toLower());
    if (!job->error.isEmpty())
        text += u' ' + tr("Reason: %1").arg(job->error);
    m_details->setText(text);
}

void MigrationsPanel::cancelSelected(bool askConfirmation)
{
    const auto job = m_model->job(selectedJob());
    if (!job || !m_cancel->isEnabled())
        return;
    if (askConfirmation) {
        const auto answer = QMessageBox::question(this, tr("Cancel job %1").arg(job->id),
            tr("Cancel moving user %1 from %2 to %3?\n\nThe copy on %3 is removed; the user stays on %2.")
                .arg(job->userName, job->fromName, job->toName),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes)
            return;
    }
    m_controller->cancelJob(job->id);
}

void MigrationsPanel::showLogOfSelected()
{
    if (const qint64 id = selectedJob(); id > 0)
        emit logRequested(id);
}

} // namespace pk
