#include "enginecontroller.h"

namespace pk {

EngineController::EngineController(QString workspaceDir, QObject* parent, NewWorkspace newWorkspace)
    : QObject(parent)
    , m_workspaceDir(std::move(workspaceDir))
{
    Engine::Settings settings;
    settings.workspaceDir = m_workspaceDir;
    settings.createWorkspace = newWorkspace == NewWorkspace::Empty;
    settings.createDemo = newWorkspace == NewWorkspace::Demo;
    // On a shared ConfigDb the master server's engine runs the jobs; the operator may take over.
    settings.askBeforeRunningSharedJobs = true;
    m_engine = new Engine(settings);
    m_engine->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("poolkeeper-engine"));
    connect(&m_thread, &QThread::finished, m_engine, &QObject::deleteLater);

    // Results: queued back into this (the GUI) thread, as value types.
    connect(m_engine, &Engine::started, this, [this](const EngineInfo& info) {
        m_info = info;
        m_started = true;
        emit started();
    });
    connect(m_engine, &Engine::roleChanged, this, [this](const EngineInfo& info) {
        m_info = info;
        emit roleChanged();
    });
    connect(m_engine, &Engine::connectionChanged, this, [this](const EngineInfo& info) {
        m_info = info;
        emit connectionChanged();
    });
    connect(m_engine, &Engine::startFailed, this, &EngineController::startFailed);
    connect(m_engine, &Engine::stopped, this, [this] {
        m_started = false;
        m_stopping = false;
        emit stopped();
    });
    connect(m_engine, &Engine::poolsChanged, this, [this](const QList<PoolStatus>& pools) {
        m_pools = pools;
        emit poolsChanged();
    });
    connect(m_engine, &Engine::jobsChanged, this, [this](const QList<JobRecord>& jobs) {
        m_jobs = jobs;
        emit jobsChanged();
    });
    connect(m_engine, &Engine::alertsChanged, this, [this](const QList<AlertRecord>& alerts) {
        m_alerts = alerts;
        emit alertsChanged();
    });
    connect(m_engine, &Engine::jobProgress, this, [this](const JobProgress& progress) {
        m_progress.insert(progress.jobId, progress);
        if (!m_dirtyProgress.contains(progress.jobId))
            m_dirtyProgress.append(progress.jobId);
        if (!m_progressTimer.isActive())
            m_progressTimer.start();
    });
    connect(m_engine, &Engine::jobFinished, this, &EngineController::jobFinished);
    connect(m_engine, &Engine::scanProgress, this, &EngineController::scanProgress);
    connect(m_engine, &Engine::scanFinished, this, [this](const ScanReport& report, quint64 generation) {
        // Generation 0: the latest stored scan or one run by balance; otherwise only the newest request counts.
        if (generation == 0 || generation == m_scanGeneration)
            emit scanFinished(report);
    });
    connect(m_engine, &Engine::planReady, this, &EngineController::planReady);
    connect(m_engine, &Engine::historyReady, this, [this](const PoolHistory& history) {
        if (history.generation == m_historyGeneration)
            emit historyReady(history);
    });
    connect(m_engine, &Engine::commandFinished, this, &EngineController::commandFinished);

    // At most ten progress updates a second reach the views.
    m_progressTimer.setInterval(100);
    m_progressTimer.setSingleShot(true);
    connect(&m_progressTimer, &QTimer::timeout, this, &EngineController::flushProgress);
}

EngineController::~EngineController()
{
    if (m_thread.isRunning()) {
        // The engine must stop in its own thread before the thread ends.
        QMetaObject::invokeMethod(m_engine, &Engine::stop, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
}

void EngineController::start()
{
    if (!m_thread.isRunning())
        m_thread.start();
    send([](Engine& engine) { engine.start(); });
}

void EngineController::stop()
{
    if (!m_started || m_stopping)
        return;
    m_stopping = true;
    send([](Engine& engine) { engine.stop(); });
}
void EngineController::flushProgress()
{
    if (m_dirtyProgress.isEmpty())
        return;
    const QList<qint64> dirty = m_dirtyProgress;
    m_dirtyProgress.clear();
    emit progressChanged(dirty);
}

std::optional<PoolStatus> EngineController::pool(const QString& name) const
{
    for (const PoolStatus& pool : m_pools) {
        if (pool.pool.name == name)
            return pool;
    }
    return std::nullopt;
}

int EngineController::activeJobCount() const
{
    return static_cast<int>(
        std::count_if(m_jobs.cbegin(), m_jobs.cend(), [](const JobRecord& job) { return isActive(job.state); }));
}

int EngineController::unacknowledgedAlertCount() const
{
    return static_cast<int>(std::count_if(
        m_alerts.cbegin(), m_alerts.cend(), [](const AlertRecord& alert) { return alert.acknowledgedMs == 0; }));
}

std::optional<JobProgress> EngineController::progress(qint64 jobId) const
{
    const auto it = m_progress.constFind(jobId);
    if (it == m_progress.constEnd())
        return std::nullopt;
    return *it;
}

quint64 EngineController::scan(const QString& pool)
{
    send([pool, generation = ++m_scanGeneration](Engine& engine) { engine.scanPool(pool, generation); });
    return m_scanGeneration;
}

void EngineController::plan(const QString& pool)
{
    send([pool](Engine& engine) { engine.planPool(pool); });
}

void EngineController::approve(const QString& pool, const QStringList& users)
{
    send([pool, users](Engine& engine) { engine.approvePlan(pool, users); });
}

void EngineController::reject(const QString& pool)
{
    send([pool](Engine& engine) { engine.rejectPlan(pool); });
}

void EngineController::balance(const QString& pool)
{
    send([pool](Engine& engine) { engine.balancePool(pool); });
}

void EngineController::cancelJob(qint64 id)
{
    send([id](Engine& engine) { engine.cancelJob(id); });
}

void EngineController::drain(const QString& storage)
{
    send([storage](Engine& engine) { engine.drainStorage(storage); });
}

void EngineController::acknowledgeAlert(qint64 id)
{
    send([id](Engine& engine) { engine.acknowledgeAlert(id); });
}

void EngineController::addPool(const QString& name, double highPercent, double lowPercent, PoolMode mode)
{
    send([=](Engine& engine) { engine.addPool(name, highPercent, lowPercent, mode); });
}

void EngineController::addStorage(const QString& pool, const QString& name, const QString& path, qint64 quotaBytes)
{
    send([=](Engine& engine) { engine.addStorage(pool, name, path, quotaBytes); });
}

void EngineController::updatePool(const PoolRecord& pool)
{
    send([pool](Engine& engine) { engine.updatePool(pool); });
}

quint64 EngineController::requestHistory(qint64 poolId, qint64 sinceMs, int maxPoints)
{
    send([=, generation = ++m_historyGeneration](
             Engine& engine) { engine.requestHistory(poolId, sinceMs, maxPoints, generation); });
    return m_historyGeneration;
}

void EngineController::requestLatest(const QString& pool)
{
    send([pool](Engine& engine) {
        engine.requestScan(pool);
        engine.requestPlan(pool);
    });
}

void EngineController::writeSupportBundle(const QString& path)
{
    send([path](Engine& engine) { engine.writeSupportBundle(path); });
}

void EngineController::refresh()
{
    send([](Engine& engine) { engine.refresh(); });
}

void EngineController::runJobsHere()
{
    send([](Engine& engine) { engine.runJobsHere(); });
}

} // namespace pk
