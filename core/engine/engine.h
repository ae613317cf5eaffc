#pragma once

// The balancing and migration engine: a QObject that lives in a worker thread (the console) or
// in the main thread (poolkeeper-cli). It schedules jobs and handles commands; the commands are
// plain member functions, called in the engine's thread (the console queues them there), and what
// they did goes out as a typed CommandOutcome. Jobs and long tasks run on JobRunner's threads;
// SnapshotPublisher sends the pools, jobs and alerts the console shows.

#include "balance/scanner.h"
#include "commandoutcome.h"
#include "configdb/enginerecords.h"
#include "configdb/records.h"
#include "configdb/requestrepo.h"
#include "enginelock.h"
#include "jobrunner.h"
#include "logs/migrationlog.h"
#include "master/poolstatus.h"
#include "snapshotpublisher.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace pk {

class ConfigDb;
class Master;
class RateLimiter;

struct EngineInfo
{
    QString workspaceDir;
    QString configDb; // where ConfigDb lives, without a password
    bool runsJobs = false; // holds the engine lock
    EngineHolder holder; // the engine running the jobs when this one does not, if any
    bool canRunJobs = false; // runJobsHere() would make this engine run them (a shared ConfigDb)
    bool configDbReachable = true;
    QString connectionProblem; // why ConfigDb cannot be reached, while it cannot
};

class Engine : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString workspaceDir;
        bool runJobs = true; // take the engine lock and run approved jobs
        // On a shared (PostgreSQL) ConfigDb, run jobs only after runJobsHere(): the console of an
        // admin workstation watches the engine of the master server and does not replace it.
        bool askBeforeRunningSharedJobs = false;
        qint64 maxRateOverride = 0; // bytes per second for every pool; 0: each pool's setting
        int tickMs = 500;
        int heartbeatMs = 1000; // how often the engine proves it is alive (and, on PostgreSQL, keeps its lock)
        int sampleMs = 5000;
        int autoRetryMs = 60000; // automatic mode: how soon a pool that could not be balanced is tried again
        int deferredRetryMs = 60000; // how soon a job whose compaction could not run is tried again
        bool createWorkspace = false; // the console creates an empty workspace on first start
        bool createDemo = false; // the console's demo: a workspace with real backups, made on first start
        MigrationLogOptions logOptions;
        std::function<void(const JobRecord&, JobPhase)> phaseHook; // tests
    };

    explicit Engine(Settings settings, QObject* parent = nullptr);
    ~Engine() override;

    const Settings& settings() const { return m_settings; }
    int runningJobCount() const;

    // Commands, called in the engine's thread. Each one that can fail or that the console
    // follows ends with commandFinished().

    // Opens ConfigDb in this thread, takes the engine lock (when running jobs), resumes or rolls
    // back jobs left by a crash, starts the timers.
    void start();
    // Stops running jobs so that they resume at the next start, and releases the lock.
    void stop();
    void refresh();

    void scanPool(const QString& pool, quint64 generation);
    void planPool(const QString& pool);
    void approvePlan(const QString& pool, const QStringList& users);
    void rejectPlan(const QString& pool);
    // Detect, scan, plan and approve in one go.
    void balancePool(const QString& pool);
    void cancelJob(qint64 id);
    void drainStorage(const QString& storage);
    void acknowledgeAlert(qint64 id);
    void addPool(const QString& name, double highPercent, double lowPercent, pk::PoolMode mode);
    void addStorage(const QString& pool, const QString& name, const QString& path, qint64 quotaBytes);
    void updatePool(const pk::PoolRecord& pool);
    void requestHistory(qint64 poolId, qint64 sinceMs, int maxPoints, quint64 generation);
    void requestPlan(const QString& pool);
    void requestScan(const QString& pool);
    void writeSupportBundle(const QString& path);
    // A console that watches a shared ConfigDb takes over running its jobs.
    void runJobsHere();

signals:
    void started(const pk::EngineInfo& info);
    // This engine became the one that runs the jobs, or stopped being it (a standby, or the lock
    // was lost with the connection), after start().
    void roleChanged(const pk::EngineInfo& info);
    // ConfigDb became unreachable (the connection dropped) or reachable again.
    void connectionChanged(const pk::EngineInfo& info);
    void startFailed(const QString& message);
    void stopped();
    void poolsChanged(const QList<pk::PoolStatus>& pools);
    void jobsChanged(const QList<pk::JobRecord>& jobs);
    void jobProgress(const pk::JobProgress& progress);
    void jobFinished(const pk::JobRecord& job);
    // A job could not go on now (its source could not be compacted) and is tried again later.
    void jobDeferred(const pk::JobRecord& job);
    void alertsChanged(const QList<pk::AlertRecord>& alerts);
    void scanProgress(const pk::ScanProgress& progress);
    void scanFinished(const pk::ScanReport& report, quint64 generation);
    void planReady(const pk::PlanRecord& plan);
    void historyReady(const pk::PoolHistory& history);
    void commandFinished(const pk::CommandOutcome& outcome);
    // No job is pending or running any more (only while this engine runs jobs).
    void idle();

private:
    void tick();
    void sample();
    void scheduleJobs();
    // Books the jobs whose threads ended: retries, compaction, the signals that follow.
    void reapThreads();
    void autoBalance();
    void publishJobs();
    void publishPools();
    void publishAlerts();
    void finish(const CommandOutcome& outcome) { emit commandFinished(outcome); }
    // The end of a command: to this engine's signals, or to the request of a console elsewhere.
    void reply(qint64 requestId, const CommandOutcome& outcome);
    void reportScanProgress(qint64 requestId, const ScanProgress& progress);
    void startScan(const QString& pool, quint64 generation, qint64 requestId);
    void startBalance(const QString& pool, qint64 requestId);
    void startDrain(const QString& storage, qint64 requestId);
    // A command that reads the storages, while another machine runs the engine: asked of that
    // engine through ConfigDb (true), its outcome followed by followRequests().
    bool delegate(RequestKind kind, const QString& subject, EngineCommand command, quint64 generation = 0);
    // This console's requests: their progress and outcomes, signalled as if they ran here.
    void followRequests();
    void deliverRequestOutcome(EngineCommand command, quint64 generation, const RequestRecord& request);
    // The active engine: what consoles elsewhere asked.
    void carryOutRequests();
    // Settles interrupted backups and removes copies that failed moves left (on a task thread).
    void housekeeping();
    void followDrains();
    // A draining storage expects users that were placed on it just before the drain began.
    bool drainsAwaitArrivals();
    RateLimiter* limiterFor(const PoolRecord& pool);
    // Runs work on a task thread (see TaskWork); the command names it when it cannot start.
    void runTask(EngineCommand command, qint64 poolId, TaskWork work, qint64 requestId = 0);
    bool tryTakeLock();
    // Keeps the lock and the enrolment alive; loses the lock when its connection is gone.
    void beat();
    void loseLock(const QString& reason);
    EngineInfo info() const;
    void enroll();
    // Another process committed a change (PostgreSQL notification): show it soon.
    void configDbChanged(const QString& table);
    void watchHolder();

    Settings m_settings;
    std::unique_ptr<ConfigDb> m_db;
    std::unique_ptr<Master> m_master;
    std::unique_ptr<EngineLock> m_lock;
    QTimer m_tickTimer;
    bool m_runJobs = false; // m_settings.runJobs, unless it waits for runJobsHere()
    bool m_reachable = true;
    QString m_connectionProblem;
    QTimer m_changeTimer; // coalesces notifications
    EngineHolder m_lastHolder;
    qint64 m_lastHolderCheckMs = 0;
    qint64 m_engineId = 0; // this engine's row in the engines table
    qint64 m_lastBeatMs = 0;
    qint64 m_lastLockAttemptMs = 0;
    QString m_lastLockError;
    qint64 m_epoch = 0; // the fencing epoch drawn with the lock
    struct FollowedRequest
    {
        EngineCommand command = EngineCommand::Scan;
        quint64 generation = 0;
        qint64 seenUpdateMs = 0;
        qint64 noEngineSinceMs = 0;
    };
    QHash<qint64, FollowedRequest> m_requests; // asked of another engine, by id
    QHash<qint64, qint64> m_requestProgressMs; // carried out here: when progress was last written
    qint64 m_lastSampleMs = 0;
    qint64 m_lastThinMs = 0;
    std::atomic<bool> m_stop { false };
    JobRunner m_runner;
    std::unique_ptr<SnapshotPublisher> m_publisher; // made with ConfigDb by start()
    QHash<qint64, std::shared_ptr<RateLimiter>> m_limiters;
    QHash<qint64, qint64> m_lastAutoAttempt;
    QHash<qint64, qint64> m_retryAfterMs; // jobs that stopped without finishing wait before they run again
    QSet<qint64> m_deferred; // jobs waiting for a compaction that could not run
    QSet<qint64> m_drainedUsers; // users that arrived on a draining storage and were drained again
    QHash<qint64, qint64> m_lastDrainFollowUp; // storage -> when it was drained again last
    bool m_wasIdle = false;
    bool m_started = false;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::EngineInfo)
