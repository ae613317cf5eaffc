#include "scanreviewpanel.h"

#include "charts/projectionchart.h"
#include "enginecontroller.h"
#include "icons.h"
#include "models/scanmodel.h"
#include "util/sizes.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace pk {

ScanReviewPanel::ScanReviewPanel(EngineController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_model(new ScanModel(this))
    , m_chart(new ProjectionChart(this))
    , m_table(new QTableView(this))
    , m_status(new QLabel(this))
    , m_notes(new QLabel(this))
    , m_scanButton(new QPushButton(icons::scan(), tr("&Scan"), this))
    , m_approveAll(new QPushButton(icons::approve(), tr("&Approve plan"), this))
    , m_approveSelected(new QPushButton(tr("Approve s&elected"), this))
    , m_reject(new QPushButton(icons::reject(), tr("Re&ject"), this))
{
    m_status->setWordWrap(true);
    m_notes->setWordWrap(true);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSortingEnabled(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_approveAll->setToolTip(tr("Approve every move of the plan (Ctrl+Return)"));
    m_approveAll->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_approveSelected->setToolTip(tr("Approve only the ticked users"));
    m_scanButton->setToolTip(tr("Check the users of the marked storages and plan the moves (Ctrl+R)"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_scanButton);
    buttons->addStretch(1);
    buttons->addWidget(m_approveAll);
    buttons->addWidget(m_approveSelected);
    buttons->addWidget(m_reject);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_chart);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_notes);
    layout->addLayout(buttons);

    connect(m_scanButton, &QPushButton::clicked, this, &ScanReviewPanel::scan);
    connect(m_approveAll, &QPushButton::clicked, this, &ScanReviewPanel::approveAll);
    connect(m_approveSelected, &QPushButton::clicked, this, &ScanReviewPanel::approveSelected);
    connect(m_reject, &QPushButton::clicked, this, &ScanReviewPanel::reject);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ScanReviewPanel::updateButtons);

    connect(controller, &EngineController::scanProgress, this, [this](const ScanProgress& progress) {
        if (m_busy)
            m_status->setText(tr("Scanning user %1 of %2: %3")
                                  .arg(progress.usersDone + 1)
                                  .arg(progress.usersTotal)
                                  .arg(progress.currentUser));
    });
    connect(controller, &EngineController::scanFinished, this, [this](const ScanReport& report) {
        if (report.poolName != m_pool)
            return;
        m_model->setScan(report);
        if (m_busy) {
            m_status->setText(tr("Scanned %n users; planning…", nullptr, static_cast<int>(report.entries.size())));
            m_controller->plan(m_pool);
        }
    });
    connect(controller, &EngineController::planReady, this, [this](const PlanRecord& plan) {
        if (plan.poolName == m_pool)
            showPlan(plan);
    });
    connect(controller, &EngineController::commandFinished, this, [this](const CommandOutcome& outcome) {
        switch (outcome.command) {
        case EngineCommand::Approve:
        case EngineCommand::Reject:
            if (outcome.succeeded()) {
                setBusy(false);
                m_controller->requestLatest(m_pool);
                return;
            }
            break;
        case EngineCommand::Scan:
        case EngineCommand::Plan:
            break;
        default:
            return;
        }
        if (!outcome.succeeded())
            setBusy(false, tr("%1 failed: %2").arg(outcome.commandName(), outcome.message()));
    });
    updateButtons();
}

void ScanReviewPanel::setPoolName(const QString& pool)
{
    if (pool == m_pool)
        return;
    m_pool = pool;
    m_model->clear();
    m_notes->clear();
    m_status->setText(tr("No scan yet. A scan checks every user on the pool's marked storages."));
    setBusy(false);
    m_controller->requestLatest(pool);
}

void ScanReviewPanel::setBusy(bool busy, const QString& status)
{
    m_busy = busy;
    if (!status.isEmpty())
        m_status->setText(status);
    updateButtons();
    emit busyChanged(busy);
}

void ScanReviewPanel::updateButtons()
{
    const bool proposed
        = m_model->plan().id > 0 && m_model->plan().state == PlanState::Proposed && !m_model->plan().moves.isEmpty();
    m_scanButton->setEnabled(!m_busy && !m_pool.isEmpty());
    m_approveAll->setEnabled(!m_busy && proposed);
    m_approveSelected->setEnabled(!m_busy && proposed && !m_model->checkedUsers().isEmpty());
    m_reject->setEnabled(!m_busy && m_model->plan().id > 0 && m_model->plan().state == PlanState::Proposed);
}

void ScanReviewPanel::scan()
{
    if (m_pool.isEmpty() || m_busy)
        return;
    setBusy(true, tr("Scanning the marked storages of %1…").arg(m_pool));
    m_controller->scan(m_pool);
}

void ScanReviewPanel::approveAll()
{
    if (!m_approveAll->isEnabled())
        return;
    setBusy(true, tr("Approving %n moves…", nullptr, static_cast<int>(m_model->plan().moves.size())));
    m_controller->approve(m_pool);
}

void ScanReviewPanel::approveSelected()
{
    const QStringList users = m_model->checkedUsers();
    if (users.isEmpty() || m_busy)
        return;
    setBusy(true, tr("Approving %n moves…", nullptr, static_cast<int>(users.size())));
    m_controller->approve(m_pool, users);
}

void ScanReviewPanel::reject()
{
    if (!m_reject->isEnabled())
        return;
    setBusy(true);
    m_controller->reject(m_pool);
}

void ScanReviewPanel::showPlan(const PlanRecord& plan)
{
    m_model->setPlan(plan);
    const auto pool = m_controller->pool(m_pool);
    if (pool)
        m_chart->setPlan(plan, pool->pool.highPercent, pool->pool.lowPercent);
    qint64 bytes = 0;
    for (const PlannedMove& move : plan.moves)
        bytes += move.bytes;
    const QString when = QDateTime::fromMSecsSinceEpoch(plan.createdMs).toString(QStringLiteral("HH:mm:ss"));
    const bool automatic = pool && pool->pool.mode == PoolMode::Automatic;
    QString status;
    switch (plan.state) {
    case PlanState::Proposed:
        status = plan.moves.isEmpty()
            ? tr("Plan of %1: nothing to move.").arg(when)
            : tr("Plan of %1: %n moves (%2) wait for your approval.", nullptr, static_cast<int>(plan.moves.size()))
                  .arg(when, formatBytes(bytes));
        break;
    case PlanState::Approved:
        status = (automatic ? tr("Automatic mode: the plan of %1 was approved at once: %n moves (%2).", nullptr,
                      static_cast<int>(plan.moves.size()))
                            : tr("The plan of %1 was approved: %n moves (%2); see Migrations.", nullptr,
                                static_cast<int>(plan.moves.size())))
                     .arg(when, formatBytes(bytes));
        break;
    case PlanState::Rejected:
        status = tr("The plan of %1 was rejected.").arg(when);
        break;
    case PlanState::Superseded:
        status = tr("The plan of %1 was replaced by a newer one.").arg(when);
        break;
    }
    m_notes->setText(plan.summary);
    setBusy(false, status);
}

} // namespace pk
