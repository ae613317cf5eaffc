#pragma once

// The console's side of the engine: it owns the worker thread the Engine lives in, queues each
// command into that thread as a call of the Engine, and keeps the latest value-type snapshots
// (pools, jobs, alerts) that the models show. Job progress is coalesced to at most ten updates a second so the
// window never drowns in events. Results that a newer request superseded are dropped by
// generation number.

#include "engine/engine.h"

#include <QHash>
#include <QObject>
#include <QThread>
#include <QTimer>

namespace pk {

class EngineController : public QObject
{
    Q_OBJECT
public:
    // What the engine creates when the workspace does not exist yet.
    enum class NewWorkspace { Empty, Demo };

    explicit EngineController(
        QString workspaceDir, QObject* parent = nullptr, NewWorkspace newWorkspace = NewWorkspace::Empty);
    ~EngineController() override;

    QString workspaceDir() const { return m_workspaceDir; }
    void start();
    // Asks the engine to stop (jobs stay resumable); stopped() follows.
    void stop();
    bool isStarted() const { return m_started; }
    bool isStopping() const { return m_stopping; }
    const EngineInfo& info() const { return m_info; }

    const QList<PoolStatus>& pools() const { return m_pools; }
    const QList<JobRecord>& jobs() const { return m_jobs; }
    const QList<AlertRecord>& alerts() const { return m_alerts; }
    std::optional<PoolStatus> pool(const QString& name) const;
    int activeJobCount() const;
    int unacknowledgedAlertCount() const;
    // Latest progress of a running job (rate and phase as the engine last reported).
    std::optional<JobProgress> progress(qint64 jobId) const;

    // Commands; results arrive as signals.
    quint64 scan(const QString& pool);
    void plan(const QString& pool);
    void approve(const QString& pool, const QStringList& users = {});
    void reject(const QString& pool);
    void balance(const QString& pool);
    void cancelJob(qint64 id);
    void drain(const QString& storage);
    void acknowledgeAlert(qint64 id);
    void addPool(const QString& name, double highPercent, double lowPercent, PoolMode mode);
    void addStorage(const QString& pool, const QString& name, const QString& path, qint64 quotaBytes);
    void updatePool(const PoolRecord& pool);
    quint64 requestHistory(qint64 poolId, qint64 sinceMs, int maxPoints);
    void requestLatest(const QString& pool); // the last scan and plan, if any
    void writeSupportBundle(const QString& path);
    void refresh();
    // Run the jobs of a shared ConfigDb in this console's engine (when none runs them).
    void runJobsHere();

signals:
    void started();
    // This console's engine took over running the jobs, or stopped running them.
    void roleChanged();
    // ConfigDb became unreachable or reachable again (info() says which, and why).
    void connectionChanged();
    void startFailed(const QString& message);
    void stopped();
    void poolsChanged();
    void jobsChanged();
    void alertsChanged();
    // Coalesced: the jobs whose progress changed since the last emission.
    void progressChanged(const QList<qint64>& jobIds);
    void scanProgress(const pk::ScanProgress& progress);
    void scanFinished(const pk::ScanReport& report);
    void planReady(const pk::PlanRecord& plan);
    void historyReady(const pk::PoolHistory& history);
    // What became of a command (approve, add pool, ...); outcome.message() says it for people.
    void commandFinished(const pk::CommandOutcome& outcome);
    void jobFinished(const pk::JobRecord& job);

private:
    // Runs command in the engine's thread, after the commands sent before it: the one way the
    // console crosses into the engine.
    template<typename Command> void send(Command command)
    {
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, command = std::move(command)] { command(*engine); }, Qt::QueuedConnection);
    }
    void flushProgress();

    QString m_workspaceDir;
    QThread m_thread;
    Engine* m_engine = nullptr; // lives in m_thread; deleted there when it finishes
    EngineInfo m_info;
    bool m_started = false;
    bool m_stopping = false;
    QList<PoolStatus> m_pools;
    QList<JobRecord> m_jobs;
    QList<AlertRecord> m_alerts;
    QHash<qint64, JobProgress> m_progress;
    QList<qint64> m_dirtyProgress;
    QTimer m_progressTimer;
    quint64 m_scanGeneration = 0;
    quint64 m_historyGeneration = 0;
};

} // namespace pk
