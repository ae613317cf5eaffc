#include "dashboardpanel.h"

#include "charts/capacitychart.h"
#include "charts/historychart.h"
#include "enginecontroller.h"
#include "models/storagetablemodel.h"
#include "statebadge.h"
#include "theme.h"
#include "util/sizes.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QShowEvent>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace pk {

DashboardPanel::DashboardPanel(EngineController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_badge(new StateBadge(this))
    , m_summary(new QLabel(this))
    , m_capacity(new CapacityChart(this))
    , m_history(new HistoryChart(this))
    , m_storages(new StorageTableModel(this))
    , m_table(new QTableView(this))
{
    auto* header = new QHBoxLayout;
    header->addWidget(m_badge);
    header->addWidget(m_summary, 1);
    m_summary->setWordWrap(true);

    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->addWidget(m_capacity);
    charts->addWidget(m_history);
    charts->setStretchFactor(0, 1);
    charts->setStretchFactor(1, 1);

    m_table->setModel(m_storages);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setMaximumHeight(190);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(charts, 1);
    layout->addWidget(m_table);

    connect(controller, &EngineController::poolsChanged, this, &DashboardPanel::updateFromController);
    connect(controller, &EngineController::jobsChanged, this, &DashboardPanel::updateFromController);
    connect(controller, &EngineController::historyReady, this, [this](const PoolHistory& history) {
        const auto pool = m_controller->pool(m_pool);
        if (pool && history.poolId == pool->pool.id)
            m_history->setHistory(history, pool->pool.highPercent, pool->pool.lowPercent);
    });
    // The engine samples every few seconds; the history follows at that pace.
    auto* historyTimer = new QTimer(this);
    historyTimer->setInterval(5000);
    connect(historyTimer, &QTimer::timeout, this, &DashboardPanel::requestHistory);
    historyTimer->start();
}

void DashboardPanel::setPoolName(const QString& pool)
{
    m_pool = pool;
    m_historyRequested = false;
    updateFromController();
    requestHistory();
}

void DashboardPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    requestHistory();
}

void DashboardPanel::requestHistory()
{
    // Only what is seen is asked for; the engine downsamples to a few hundred points.
    const auto pool = m_controller->pool(m_pool);
    if (!pool || !isVisible())
        return;
    m_historyRequested = true;
    m_controller->requestHistory(pool->pool.id, QDateTime::currentMSecsSinceEpoch() - 24LL * 3600 * 1000, 300);
}

void DashboardPanel::updateFromController()
{
    const auto pool = m_controller->pool(m_pool);
    if (!pool)
        return;
    if (!m_historyRequested)
        requestHistory();
    // The reservation ledger: what moves in flight still hold on each destination.
    QHash<qint64, qint64> reserved;
    int active = 0;
    for (const JobRecord& job : m_controller->jobs()) {
        if (job.poolId == pool->pool.id && isActive(job.state)) {
            reserved[job.toStorageId] += job.outstandingReservation();
            ++active;
        }
    }
    m_badge->setState(pool->state);
    m_capacity->setPool(*pool, reserved);
    m_storages->setPool(*pool);
    int users = 0;
    QStringList marked;
    for (const StorageStatus& storage : pool->storages) {
        users += storage.users;
        if (storage.usage.effectiveState() == StorageState::Marked)
            marked.append(storage.usage.storage.name);
    }
    QString summary = tr("%1 storages, %2 users; high watermark %3 %, low %4 %, %5 mode.")
                          .arg(pool->storages.size())
                          .arg(users)
                          .arg(pool->pool.highPercent)
                          .arg(pool->pool.lowPercent)
                          .arg(pool->pool.mode == PoolMode::Automatic ? tr("automatic") : tr("review"));
    if (!marked.isEmpty())
        summary += u' ' + tr("Marked for migration: %1.").arg(marked.join(QStringLiteral(", ")));
    if (active > 0)
        summary += u' ' + tr("%n moves in progress.", nullptr, active);
    m_summary->setText(summary);
}

} // namespace pk
