#include "mainwindow.h"

#include "dialogs/addpooldialog.h"
#include "dialogs/addstoragedialog.h"
#include "dialogs/poolsettingsdialog.h"
#include "engine/demo.h"
#include "enginecontroller.h"
#include "icons.h"
#include "logviewer/logviewerwindow.h"
#include "models/pooltreemodel.h"
#include "panels/alertspanel.h"
#include "panels/dashboardpanel.h"
#include "panels/migrationspanel.h"
#include "panels/scanreviewpanel.h"
#include "panels/welcomepage.h"
#include "theme.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace pk {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_demoDirectory(DemoWorkspace::defaultDirectory())
    , m_poolModel(new PoolTreeModel(this))
    , m_sidebar(new QTreeView(this))
    , m_stack(new QStackedWidget(this))
    , m_welcome(new WelcomePage(this))
    , m_tabs(new QTabWidget(this))
    , m_banner(new QLabel(this))
    , m_engineLabel(new QLabel(this))
    , m_runHereButton(new QPushButton(this))
    , m_jobsLabel(new QLabel(this))
    , m_workspaceLabel(new QLabel(this))
{
    setWindowTitle(tr("Poolkeeper"));
    setWindowIcon(icons::app());
    m_sidebar->setModel(m_poolModel);
    m_sidebar->setHeaderHidden(false);
    m_sidebar->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_sidebar->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sidebar->setMinimumWidth(240);
    // The state is the icon (and the tooltip); the used % fits beside the name.
    m_sidebar->setColumnHidden(PoolTreeModel::StateColumn, true);
    m_sidebar->setAccessibleName(tr("Pools and storages"));
    m_stack->addWidget(m_welcome);
    m_stack->addWidget(m_tabs);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_sidebar);
    splitter->addWidget(m_stack);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 260, 1000 });
    // A lost ConfigDb connection is a state the operator sees, above everything else.
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setWordWrap(true);
    m_banner->setMargin(8);
    m_banner->setAutoFillBackground(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fdecea; color: #611a15; }"));
    m_banner->setAccessibleName(tr("Connection problem"));
    m_banner->hide();
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(splitter, 1);
    setCentralWidget(central);
    statusBar()->addWidget(m_engineLabel);
    m_runHereButton->setObjectName(QStringLiteral("runEngineHere"));
    m_runHereButton->setText(tr("&Run the engine here"));
    m_runHereButton->setToolTip(tr("No engine runs the jobs of this shared ConfigDb: run them in this console"));
    m_runHereButton->setFlat(true);
    m_runHereButton->hide();
    statusBar()->addWidget(m_runHereButton);
    statusBar()->addWidget(m_jobsLabel);
    statusBar()->addPermanentWidget(m_workspaceLabel);

    createActions();
    connect(m_welcome, &WelcomePage::createPoolRequested, this, &MainWindow::addPool);
    connect(m_welcome, &WelcomePage::demoRequested, this, &MainWindow::openDemo);
    connect(
        m_sidebar->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& current) {
            const QString pool = current.data(PoolTreeModel::PoolNameRole).toString();
            if (!pool.isEmpty() && pool != m_pool)
                selectPool(pool);
        });
    resize(1280, 800);
    updatePages();
    updateActions();
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::action(const QString& name) const
{
    return m_actions.value(name);
}

void MainWindow::createActions()
{
    auto make = [this](const QString& name, const QString& text, const QKeySequence& shortcut, const QIcon& icon,
                    auto slot) {
        auto* action = new QAction(icon, text, this);
        action->setShortcut(shortcut);
        action->setObjectName(name);
        if (!shortcut.isEmpty())
            action->setToolTip(QStringLiteral("%1 (%2)").arg(
                QString(text).remove(u'&').remove(QStringLiteral("…")), shortcut.toString(QKeySequence::NativeText)));
        connect(action, &QAction::triggered, this, slot);
        m_actions.insert(name, action);
        return action;
    };
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(
        make(QStringLiteral("addPool"), tr("New &pool…"), QKeySequence::New, icons::addPool(), &MainWindow::addPool));
    file->addAction(make(QStringLiteral("addStorage"), tr("Add &storage…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), icons::addStorage(), &MainWindow::addStorage));
    file->addSeparator();
    file->addAction(make(QStringLiteral("openWorkspace"), tr("&Open workspace…"), QKeySequence::Open, QIcon(),
        &MainWindow::openWorkspaceDialog));
    file->addAction(make(QStringLiteral("openDemo"), tr("Open the &demo workspace"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), icons::balance(), &MainWindow::openDemo));
    file->addAction(make(QStringLiteral("bundle"), tr("Save s&upport bundle…"), QKeySequence(), QIcon(),
        &MainWindow::saveSupportBundle));
    file->addSeparator();
    file->addAction(make(QStringLiteral("quit"), tr("&Quit"), QKeySequence::Quit, QIcon(), &QWidget::close));

    QMenu* pool = menuBar()->addMenu(tr("&Pool"));
    pool->addAction(
        make(QStringLiteral("scan"), tr("&Scan and plan"), QKeySequence(Qt::CTRL | Qt::Key_R), icons::scan(), [this] {
            showPage(Page::ScanReview);
            m_scanReview->scan();
        }));
    pool->addAction(make(QStringLiteral("approve"), tr("&Approve plan"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A),
        icons::approve(), [this] {
            showPage(Page::ScanReview);
            m_scanReview->approveAll();
        }));
    pool->addAction(make(QStringLiteral("reject"), tr("Re&ject plan"), QKeySequence(), icons::reject(),
        [this] { m_scanReview->reject(); }));
    pool->addAction(make(QStringLiteral("balance"), tr("&Balance now (scan, plan, approve)"),
        QKeySequence(Qt::CTRL | Qt::Key_B), icons::balance(), [this] {
            if (!m_pool.isEmpty())
                m_controller->balance(m_pool);
            showPage(Page::Migrations);
        }));
    pool->addSeparator();
    pool->addAction(make(QStringLiteral("settings"), tr("Pool se&ttings…"), QKeySequence(Qt::CTRL | Qt::Key_Comma),
        icons::settings(), &MainWindow::poolSettings));
    pool->addAction(make(QStringLiteral("drain"), tr("&Drain a storage…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X), icons::drain(), &MainWindow::drainStorage));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(make(QStringLiteral("viewDashboard"), tr("&Dashboard"), QKeySequence(Qt::ALT | Qt::Key_1), QIcon(),
        [this] { showPage(Page::Dashboard); }));
    view->addAction(make(QStringLiteral("viewScan"), tr("&Scan review"), QKeySequence(Qt::ALT | Qt::Key_2), QIcon(),
        [this] { showPage(Page::ScanReview); }));
    view->addAction(make(QStringLiteral("viewMigrations"), tr("&Migrations"), QKeySequence(Qt::ALT | Qt::Key_3),
        QIcon(), [this] { showPage(Page::Migrations); }));
    view->addAction(make(QStringLiteral("viewAlerts"), tr("&Alerts"), QKeySequence(Qt::ALT | Qt::Key_4), QIcon(),
        [this] { showPage(Page::Alerts); }));
    view->addSeparator();
    view->addAction(make(QStringLiteral("migrationLog"), tr("Migration &log…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L), icons::log(), [this] {
            // The selected storage's log, or the whole pool's merged.
            const QModelIndex current = m_sidebar->currentIndex();
            showMigrationLog(current.data(PoolTreeModel::IsPoolRole).toBool()
                    ? QString()
                    : current.data(PoolTreeModel::StorageNameRole).toString());
        }));
    view->addAction(make(QStringLiteral("refresh"), tr("&Refresh"), QKeySequence::Refresh, icons::refresh(), [this] {
        if (m_controller)
            m_controller->refresh();
    }));
    view->addAction(make(QStringLiteral("focusSidebar"), tr("Go to the &pool list"), QKeySequence(Qt::CTRL | Qt::Key_L),
        QIcon(), [this] { m_sidebar->setFocus(); }));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(
        make(QStringLiteral("about"), tr("&About Poolkeeper"), QKeySequence(), icons::app(), &MainWindow::about));

    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (const char* name :
        { "addPool", "addStorage", "scan", "balance", "settings", "drain", "migrationLog", "refresh" })
        toolbar->addAction(m_actions.value(QLatin1String(name)));
}

void MainWindow::openWorkspace(const QString& directory, EngineController::NewWorkspace newWorkspace)
{
    if (m_controller) {
        // The old engine stops in its thread (jobs stay resumable) and goes away with its panels.
        EngineController* old = m_controller;
        disconnect(old, nullptr, this, nullptr);
        old->setParent(nullptr);
        connect(old, &EngineController::stopped, old, &QObject::deleteLater);
        if (old->isStarted())
            old->stop();
        else
            old->deleteLater();
        m_controller = nullptr;
    }
    while (m_tabs->count() > 0) {
        QWidget* page = m_tabs->widget(0);
        m_tabs->removeTab(0);
        page->deleteLater();
    }
    m_pool.clear();
    m_poolModel->setPools({});
    m_controller = new EngineController(directory, this, newWorkspace);
    m_dashboard = new DashboardPanel(m_controller, this);
    m_scanReview = new ScanReviewPanel(m_controller, this);
    m_migrations = new MigrationsPanel(m_controller, this);
    m_alerts = new AlertsPanel(m_controller, this);
    m_tabs->addTab(m_dashboard, tr("&Dashboard"));
    m_tabs->addTab(m_scanReview, icons::scan(), tr("S&can review"));
    m_tabs->addTab(m_migrations, tr("&Migrations"));
    m_tabs->addTab(m_alerts, tr("Ale&rts"));
    connect(m_migrations, &MigrationsPanel::logRequested, this, &MainWindow::showJobLog);
    connectController();
    m_workspaceLabel->setText(tr("Workspace: %1").arg(directory));
    m_engineLabel->setText(tr("Engine starting…"));
    m_controller->start();
    updatePages();
    updateActions();
    emit workspaceOpened(directory);
}

void MainWindow::connectController()
{
    EngineController* controller = m_controller;
    connect(controller, &EngineController::started, this, [this] {
        m_welcome->setBusy(QString());
        updateStatus();
        updateActions();
    });
    connect(controller, &EngineController::roleChanged, this, &MainWindow::updateStatus);
    connect(controller, &EngineController::connectionChanged, this, &MainWindow::updateStatus);
    connect(m_runHereButton, &QPushButton::clicked, controller, &EngineController::runJobsHere);
    connect(controller, &EngineController::startFailed, this, [this](const QString& message) {
        m_welcome->setBusy(QString());
        m_engineLabel->setText(tr("Engine not running"));
        QMessageBox::warning(this, tr("Cannot open the workspace"), message);
    });
    connect(controller, &EngineController::stopped, this, [this] {
        updateStatus();
        emit engineStopped();
        if (m_closeWhenStopped)
            close();
    });
    connect(controller, &EngineController::poolsChanged, this, [this] {
        const QString selected = m_pool;
        m_poolModel->setPools(m_controller->pools());
        m_sidebar->expandAll();
        if (selected.isEmpty() && !m_controller->pools().isEmpty())
            selectPool(m_controller->pools().constFirst().pool.name);
        else if (!selected.isEmpty())
            m_sidebar->setCurrentIndex(m_poolModel->indexOfPool(selected));
        updatePages();
        updateActions();
    });
    connect(controller, &EngineController::jobsChanged, this, &MainWindow::updateStatus);
    connect(controller, &EngineController::alertsChanged, this, [this] {
        updateStatus();
        const int unacknowledged = m_controller->unacknowledgedAlertCount();
        m_tabs->setTabText(
            m_tabs->indexOf(m_alerts), unacknowledged > 0 ? tr("Ale&rts (%1)").arg(unacknowledged) : tr("Ale&rts"));
        m_tabs->setTabIcon(m_tabs->indexOf(m_alerts), unacknowledged > 0 ? icons::alert() : QIcon());
    });
    connect(controller, &EngineController::commandFinished, this, [this](const CommandOutcome& outcome) {
        const QString command = outcome.commandName();
        if (outcome.succeeded()) {
            statusBar()->showMessage(tr("%1: %2").arg(command, outcome.message()), 8000);
            if (outcome.command == EngineCommand::Approve || outcome.command == EngineCommand::Balance
                || outcome.command == EngineCommand::Drain)
                showPage(Page::Migrations);
            return;
        }
        statusBar()->showMessage(tr("%1 failed: %2").arg(command, outcome.message()), 15000);
        switch (outcome.command) {
        case EngineCommand::AddPool:
        case EngineCommand::AddStorage:
        case EngineCommand::UpdatePool:
        case EngineCommand::Drain:
        case EngineCommand::SupportBundle:
            QMessageBox::warning(this, tr("%1 failed").arg(command), outcome.message());
            break;
        default:
            break;
        }
    });
}

void MainWindow::updatePages()
{
    const bool hasPools = m_controller && !m_controller->pools().isEmpty();
    m_stack->setCurrentWidget(hasPools ? static_cast<QWidget*>(m_tabs) : static_cast<QWidget*>(m_welcome));
}

void MainWindow::updateStatus()
{
    if (!m_controller)
        return;
    const EngineInfo& info = m_controller->info();
    if (!m_controller->isStarted())
        m_engineLabel->setText(m_controller->isStopping() ? tr("Engine stopping…") : tr("Engine stopped"));
    else if (info.runsJobs)
        m_engineLabel->setText(tr("Engine running"));
    else
        m_engineLabel->setText(info.holder.isNone() ? tr("No engine runs the jobs")
                                                    : tr("Jobs run by the engine of %1").arg(info.holder.describe()));
    m_runHereButton->setVisible(
        m_controller->isStarted() && info.canRunJobs && info.holder.isNone() && info.configDbReachable);
    m_banner->setVisible(m_controller->isStarted() && !info.configDbReachable);
    m_banner->setText(info.connectionProblem
        + tr(". What you see is the last state Poolkeeper read; nothing is written twice when the connection is "
             "back."));
    const int active = m_controller->activeJobCount();
    const int alerts = m_controller->unacknowledgedAlertCount();
    QStringList parts;
    parts.append(active > 0 ? tr("%n migrations in progress", nullptr, active) : tr("No migration in progress"));
    if (alerts > 0)
        parts.append(tr("%n alerts", nullptr, alerts));
    m_jobsLabel->setText(parts.join(QStringLiteral(" · ")));
}

void MainWindow::updateActions()
{
    const bool started = m_controller && m_controller->isStarted();
    const bool hasPool = started && !m_pool.isEmpty();
    for (const char* name : { "scan", "approve", "reject", "balance", "settings", "drain", "migrationLog" })
        m_actions.value(QLatin1String(name))->setEnabled(hasPool);
    m_actions.value(QStringLiteral("addStorage"))->setEnabled(started && !m_controller->pools().isEmpty());
    m_actions.value(QStringLiteral("addPool"))->setEnabled(started);
}

void MainWindow::selectPool(const QString& pool)
{
    m_pool = pool;
    m_sidebar->setCurrentIndex(m_poolModel->indexOfPool(pool));
    setWindowTitle(tr("%1 — Poolkeeper").arg(pool));
    m_dashboard->setPoolName(pool);
    m_scanReview->setPoolName(pool);
    updateActions();
}

void MainWindow::showPage(Page page)
{
    if (!m_dashboard)
        return;
    QWidget* widgets[] = { m_dashboard, m_scanReview, m_migrations, m_alerts };
    m_tabs->setCurrentWidget(widgets[static_cast<int>(page)]);
}

void MainWindow::addPool()
{
    if (!m_controller || !m_controller->isStarted())
        return;
    QStringList names;
    for (const PoolStatus& pool : m_controller->pools())
        names.append(pool.pool.name);
    AddPoolDialog dialog(names, this);
    if (dialog.exec() == QDialog::Accepted)
        m_controller->addPool(dialog.name(), dialog.highPercent(), dialog.lowPercent(), dialog.mode());
}

void MainWindow::addStorage()
{
    if (!m_controller || m_controller->pools().isEmpty())
        return;
    QStringList pools;
    QStringList storages;
    for (const PoolStatus& pool : m_controller->pools()) {
        pools.append(pool.pool.name);
        for (const StorageStatus& storage : pool.storages)
            storages.append(storage.usage.storage.name);
    }
    AddStorageDialog dialog(pools, m_pool, storages, this);
    if (dialog.exec() == QDialog::Accepted)
        m_controller->addStorage(dialog.pool(), dialog.name(), dialog.path(), dialog.quotaBytes());
}

void MainWindow::poolSettings()
{
    const auto pool = m_controller ? m_controller->pool(m_pool) : std::nullopt;
    if (!pool)
        return;
    PoolSettingsDialog dialog(pool->pool, this);
    if (dialog.exec() == QDialog::Accepted)
        m_controller->updatePool(dialog.pool());
}

void MainWindow::drainStorage()
{
    const auto pool = m_controller ? m_controller->pool(m_pool) : std::nullopt;
    if (!pool || pool->storages.isEmpty())
        return;
    QStringList names;
    for (const StorageStatus& storage : pool->storages)
        names.append(storage.usage.storage.name);
    const QModelIndex current = m_sidebar->currentIndex();
    const int preselected
        = qMax(0, static_cast<int>(names.indexOf(current.data(PoolTreeModel::StorageNameRole).toString())));
    bool ok = false;
    const QString storage = QInputDialog::getItem(this, tr("Drain a storage"),
        tr("Move every user off this storage (it takes no new users from now on):"), names, preselected, false, &ok);
    if (!ok || storage.isEmpty())
        return;
    const auto answer = QMessageBox::question(this, tr("Drain %1").arg(storage),
        tr("Drain %1? Its users move to the other storages of %2, which may fill up to just below the high "
           "watermark. %1 stays empty until you put it back online.")
            .arg(storage, m_pool));
    if (answer == QMessageBox::Yes)
        m_controller->drain(storage);
}

void MainWindow::openWorkspaceDialog()
{
    const QString directory = QFileDialog::getExistingDirectory(
        this, tr("Open a workspace"), m_controller ? m_controller->workspaceDir() : QString());
    if (!directory.isEmpty())
        openWorkspace(directory);
}

void MainWindow::openDemo()
{
    if (DemoWorkspace::exists(m_demoDirectory)) {
        openWorkspace(m_demoDirectory);
        return;
    }
    // Creating the demo writes real backups: the engine does it in its thread when it starts,
    // with the welcome page busy until then.
    openWorkspace(m_demoDirectory, EngineController::NewWorkspace::Demo);
    m_welcome->setBusy(tr("Creating the demo workspace in %1…").arg(m_demoDirectory));
}

LogViewerWindow* MainWindow::showMigrationLog(const QString& storage)
{
    if (!m_controller)
        return nullptr;
    QList<LogSourceSpec> sources;
    QString title;
    for (const PoolStatus& pool : m_controller->pools()) {
        if (storage.isEmpty() && pool.pool.name != m_pool)
            continue;
        for (const StorageStatus& status : pool.storages) {
            if (storage.isEmpty() || status.usage.storage.name == storage)
                sources.append({ status.usage.storage.name, status.usage.storage.rootPath });
        }
        if (storage.isEmpty())
            title = tr("pool %1").arg(pool.pool.name);
    }
    if (sources.isEmpty()) {
        statusBar()->showMessage(tr("No storage to show the migration log of: add a storage first."), 8000);
        return nullptr;
    }
    if (!storage.isEmpty())
        title = tr("storage %1").arg(storage);
    auto* viewer = new LogViewerWindow(sources, title, this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    viewer->setWindowFlag(Qt::Window);
    viewer->show();
    return viewer;
}

LogViewerWindow* MainWindow::showJobLog(qint64 jobId)
{
    if (!m_controller)
        return nullptr;
    const auto& jobs = m_controller->jobs();
    const auto job = std::find_if(jobs.cbegin(), jobs.cend(), [jobId](const JobRecord& j) { return j.id == jobId; });
    if (job == jobs.cend())
        return nullptr;
    // Both ends of the move write the job's lines; the source first keeps equal times in order.
    QList<LogSourceSpec> sources;
    for (const QString& name : { job->fromName, job->toName }) {
        for (const PoolStatus& pool : m_controller->pools()) {
            for (const StorageStatus& status : pool.storages) {
                if (status.usage.storage.name == name)
                    sources.append({ name, status.usage.storage.rootPath });
            }
        }
    }
    if (sources.isEmpty()) {
        statusBar()->showMessage(tr("The storages of job %1 are gone from the workspace.").arg(jobId), 8000);
        return nullptr;
    }
    auto* viewer = new LogViewerWindow(
        sources, tr("job %1 (%2: %3 → %4)").arg(jobId).arg(job->userName, job->fromName, job->toName), this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    viewer->setWindowFlag(Qt::Window);
    viewer->filterToJob(jobId);
    viewer->show();
    return viewer;
}

void MainWindow::saveSupportBundle()
{
    if (!m_controller || !m_controller->isStarted())
        return;
    const QString name = QStringLiteral("poolkeeper-support-%1.tar.gz")
                             .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm")));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save a support bundle"), QDir::home().filePath(name), tr("Support bundles (*.tar.gz)"));
    if (path.isEmpty())
        return;
    // The dialog already asked before replacing a file; the bundle itself never overwrites.
    if (QFileInfo::exists(path))
        QFile::remove(path);
    statusBar()->showMessage(tr("Writing the support bundle…"));
    m_controller->writeSupportBundle(path);
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Poolkeeper"),
        tr("<h3>Poolkeeper %1</h3><p>Keeps backup storage pools balanced: full storages hand consistent users and "
           "their snapshots to freer ones, verified, while backups go on.</p>")
            .arg(QApplication::applicationVersion()));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!m_controller || !m_controller->isStarted()) {
        event->accept();
        return;
    }
    int running = 0;
    for (const JobRecord& job : m_controller->jobs())
        running += job.state == JobState::Running ? 1 : 0;
    if (running > 0 && !m_closeWhenStopped) {
        const auto answer = QMessageBox::question(this, tr("Migrations are running"),
            tr("%n migrations are running. Stop them and quit? They resume where they left off the next "
               "time Poolkeeper starts.",
                nullptr, running),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    // Close once the engine has stopped cleanly in its thread.
    m_closeWhenStopped = true;
    m_engineLabel->setText(tr("Engine stopping…"));
    m_controller->stop();
    event->ignore();
}

} // namespace pk
