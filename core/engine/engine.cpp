#include "engine.h"

#include "balance/balancer.h"
#include "configdb/alertrepo.h"
#include "configdb/claimrepo.h"
#include "configdb/configdb.h"
#include "configdb/enginerepo.h"
#include "configdb/jobrepo.h"
#include "configdb/planrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/requestrepo.h"
#include "configdb/samplerepo.h"
#include "configdb/scanrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "demo.h"
#include "master/master.h"
#include "master/storagebooks.h"
#include "master/workspace.h"
#include "migration/ratelimiter.h"
#include "storage/ownermodes.h"
#include "supportbundle.h"
#include "util/logging.h"

#include <QCoreApplication>

namespace pk {

namespace {

void registerMetaTypes()
{
    static const bool registered = [] {
        qRegisterMetaType<PoolRecord>();
        qRegisterMetaType<PoolStatus>();
        qRegisterMetaType<QList<PoolStatus>>();
        qRegisterMetaType<JobRecord>();
        qRegisterMetaType<QList<JobRecord>>();
        qRegisterMetaType<JobProgress>();
        qRegisterMetaType<AlertRecord>();
        qRegisterMetaType<QList<AlertRecord>>();
        qRegisterMetaType<ScanProgress>();
        qRegisterMetaType<ScanReport>();
        qRegisterMetaType<PlanRecord>();
        qRegisterMetaType<PoolHistory>();
        qRegisterMetaType<EngineInfo>();
        qRegisterMetaType<PoolMode>();
        qRegisterMetaType<CommandOutcome>();
        return true;
    }();
    Q_UNUSED(registered);
}

} // namespace

Engine::Engine(Settings settings, QObject* parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_tickTimer(this)
    , m_changeTimer(this)
    , m_runner(this,
          { [this] { reapThreads(); },
              [this](EngineCommand command, qint64 requestId, const QString& error) {
                  reply(requestId, CommandOutcome::failed(command, error));
              } })
{
    registerMetaTypes();
    m_tickTimer.setInterval(m_settings.tickMs);
    connect(&m_tickTimer, &QTimer::timeout, this, &Engine::tick);
    m_changeTimer.setSingleShot(true);
    m_changeTimer.setInterval(50);
    connect(&m_changeTimer, &QTimer::timeout, this, [this] {
        if (!m_db)
            return;
        refresh();
        followRequests();
    });
}

Engine::~Engine()
{
    m_stop = true;
    m_runner.joinAll();
    m_lock.reset(); // its keeper thread may set m_stop until it ends
}

int Engine::runningJobCount() const
{
    return m_runner.jobCount();
}

EngineInfo Engine::info() const
{
    EngineInfo info;
    info.workspaceDir = m_settings.workspaceDir;
    info.configDb = m_db ? m_db->path() : QString();
    info.runsJobs = m_lock && m_lock->isHeld();
    info.canRunJobs = m_settings.runJobs && !m_runJobs;
    info.configDbReachable = m_reachable;
    info.connectionProblem = m_connectionProblem;
    if (!info.runsJobs && m_db)
        info.holder = EngineLock::holder(m_settings.workspaceDir, *m_db);
    return info;
}

bool Engine::tryTakeLock()
{
    if (m_lock && m_lock->isHeld())
        return true;
    // A standby asks once a second (each attempt is a new server connection on PostgreSQL).
    const qint64 now = nowMs();
    if (m_lastLockAttemptMs > 0 && now - m_lastLockAttemptMs < 1000)
        return false;
    m_lastLockAttemptMs = now;
    auto lock = EngineLock::acquire(m_settings.workspaceDir, m_db->location(), &m_stop);
    if (!lock) {
        // Held by another engine is the normal case of a standby; anything else is worth a line
        // (once while it lasts).
        if (!lock.message().contains(QLatin1String("another Poolkeeper engine")) && lock.message() != m_lastLockError)
            qCWarning(lcEngine) << "cannot take the engine lock:" << lock.message();
        m_lastLockError = lock.message();
        return false;
    }
    m_lastLockError.clear();
    // The jobs this engine runs are fenced with a new epoch: whatever a former holder still
    // writes for them from now on is refused.
    auto epoch = EngineRepo(*m_db).nextEpoch();
    if (!epoch) {
        qCWarning(lcEngine) << "took the engine lock but cannot draw a fencing epoch; letting the lock go:"
                            << epoch.message();
        lock->release();
        return false;
    }
    m_epoch = *epoch;
    m_lock = std::make_unique<EngineLock>(std::move(*lock));
    if (m_engineId > 0) {
        if (auto active = EngineRepo(*m_db).setActive(m_engineId, true); !active)
            qCWarning(lcEngine) << "cannot record this engine as the active one; status shows it at its next beat:"
                                << active.message();
    }
    qCDebug(lcEngine) << "this engine runs the jobs of" << m_db->path();
    // Jobs a crashed engine left running are ours now: back to pending, their phase says where
    // they resume.
    auto jobs = JobRepo(*m_db).list(true);
    if (jobs) {
        for (const JobRecord& job : std::as_const(*jobs)) {
            if (job.state != JobState::Running)
                continue;
            if (auto requeued = JobRepo(*m_db).requeue(job.id); !requeued)
                qCWarning(lcEngine) << "cannot requeue job" << job.id
                                    << "left running by a crashed engine; its phase still says where it resumes:"
                                    << requeued.message();
        }
    }
    if (auto storages = StorageRepo(*m_db).list()) {
        for (const StorageRecord& storage : std::as_const(*storages)) {
            auto root = m_master->openStorage(storage);
            if (!root)
                continue;
            root->removeStaleTemporaries();
            // What an earlier version wrote group- or world-readable, once per storage (a marker
            // skips the walk afterwards); a storage offline now is walked at a later start.
            if (auto modes = OwnerModes::tightenStorage(*root, storage.name, OwnerModes::Pass::UnlessMarked); !modes)
                qCWarning(lcEngine) << "cannot make storage" << storage.name << "owner-only:" << modes.message();
        }
    }
    // What consoles asked of a former engine is carried out again; old answers go.
    RequestRepo requests(*m_db);
    if (auto requeued = requests.requeueRunning(); !requeued)
        qCWarning(lcEngine) << "requests a former engine was carrying out stay unanswered:" << requeued.message();
    if (auto removed = requests.removeFinishedBefore(nowMs() - qint64(24) * 3600 * 1000); !removed)
        qCDebug(lcEngine) << "old requests stay until the next takeover:" << removed.message();
    // What killed backups and failed moves left behind is settled before anything else runs.
    housekeeping();
    return true;
}

void Engine::beat()
{
    // Checking in tells the lock's keeper that this thread still works (each tick, no round trip).
    if (m_lock) {
        if (auto held = m_lock->heartbeat(); !held)
            loseLock(held.message());
    }
    const qint64 now = nowMs();
    if (now - m_lastBeatMs < m_settings.heartbeatMs)
        return;
    m_lastBeatMs = now;
    if (m_engineId > 0) {
        EngineRepo repo(*m_db);
        auto beaten = repo.heartbeat(m_engineId);
        if (!beaten && beaten.error().code == ErrorCode::NotFound) {
            // Taken for dead and removed while this engine could not reach ConfigDb (or hung):
            // on PostgreSQL another engine has taken over, whatever this one's keeper has not
            // noticed yet. Enroll again, as a standby there.
            if (m_lock && m_db->isPostgres())
                loseLock(QStringLiteral("another engine took over while this one was unreachable"));
            if (auto enrolled = repo.enroll(EngineLock::localHost(), QCoreApplication::applicationPid())) {
                m_engineId = *enrolled;
                if (m_lock) {
                    if (auto active = repo.setActive(m_engineId, true); !active)
                        qCWarning(lcEngine) << "cannot record this engine as the active one; the next beat tries "
                                               "again:"
                                            << active.message();
                }
            }
        }
        if (m_lock) {
            if (auto removed = repo.removeStale(); !removed)
                qCDebug(lcEngine) << "stale engine rows stay until the next beat:" << removed.message();
        }
    }
}

void Engine::loseLock(const QString& reason)
{
    qCWarning(lcEngine) << "lost the engine lock (" << reason
                        << "); stopping the jobs at a safe point, another engine or this one resumes them";
    m_stop = true;
    m_runner.joinAll();
    reapThreads();
    m_stop = false;
    m_lock.reset();
    m_lastLockAttemptMs = nowMs();
    // Over a dead connection this fails too; the row then goes stale and others see no live engine.
    if (m_engineId > 0) {
        if (auto standby = EngineRepo(*m_db).setActive(m_engineId, false); !standby)
            qCInfo(lcEngine) << "cannot record this engine as a standby:" << standby.message();
    }
}

void Engine::housekeeping()
{
    if (m_runner.runsTask(EngineCommand::Housekeeping))
        return;
    runTask(EngineCommand::Housekeeping, 0, [this](Master& master, const DeliverToEngine& deliver) {
        QStringList notes;
        if (auto recovered = StorageBooks(master).recoverAbandonedWrites())
            notes += *recovered;
        else
            qCWarning(lcEngine) << "settling interrupted backups failed:" << recovered.message();
        notes += MigrationJob::cleanUpLeftovers(master.db(), m_settings.logOptions);
        for (const QString& note : std::as_const(notes))
            qCInfo(lcEngine) << note;
        if (!notes.isEmpty())
            deliver([this] {
                publishPools();
                publishJobs();
            });
    });
}

void Engine::followDrains()
{
    // A user whose first backup was placed on a storage just before its drain began arrives
    // after the drain's scan: the drain runs again for it.
    auto storages = StorageRepo(*m_db).list();
    if (!storages)
        return;
    const qint64 now = nowMs();
    for (const StorageRecord& storage : std::as_const(*storages)) {
        if (storage.state != StorageState::Draining || storage.markedMs <= 0)
            continue;
        auto late = UserRepo(*m_db).createdSince(storage.id, storage.markedMs);
        if (!late)
            continue;
        bool anyNew = false;
        for (const UserRecord& user : std::as_const(*late))
            anyNew |= !m_drainedUsers.contains(user.id);
        if (!anyNew || now - m_lastDrainFollowUp.value(storage.id, 0) < 1000)
            continue;
        for (const UserRecord& user : std::as_const(*late))
            m_drainedUsers.insert(user.id);
        m_lastDrainFollowUp.insert(storage.id, now);
        qCInfo(lcEngine) << "draining" << storage.name << "again for users that arrived after the drain began";
        drainStorage(storage.name);
    }
}

bool Engine::drainsAwaitArrivals()
{
    auto storages = StorageRepo(*m_db).list();
    if (!storages)
        return false;
    for (const StorageRecord& storage : std::as_const(*storages)) {
        if (storage.state != StorageState::Draining)
            continue;
        auto inFlight = ClaimRepo(*m_db).firstBackupsInFlight(storage.id);
        if (inFlight && !inFlight->isEmpty())
            return true;
        auto late = UserRepo(*m_db).createdSince(storage.id, storage.markedMs);
        if (late && std::any_of(late->cbegin(), late->cend(), [&](const UserRecord& u) {
                return !m_drainedUsers.contains(u.id);
            }))
            return true;
    }
    return false;
}

void Engine::start()
{
    if (m_started)
        return;
    if (m_settings.createDemo && !DemoWorkspace::exists(m_settings.workspaceDir)) {
        if (auto created = DemoWorkspace::create(m_settings.workspaceDir); !created) {
            emit startFailed(created.message());
            return;
        }
    }
    auto db = m_settings.createWorkspace ? Workspace::create(m_settings.workspaceDir)
                                         : Workspace::open(m_settings.workspaceDir);
    if (!db) {
        emit startFailed(db.message());
        return;
    }
    // ConfigDb names every user: a workspace an earlier version made world-readable is narrowed.
    if (auto modes = OwnerModes::tightenWorkspace(m_settings.workspaceDir); !modes)
        qCWarning(lcEngine) << "cannot make the workspace owner-only:" << modes.message();
    m_publisher.reset();
    m_db = std::move(*db);
    m_runner.setConfigDb(m_db->location(), m_settings.workspaceDir);
    m_master = std::make_unique<Master>(*m_db);
    m_publisher = std::make_unique<SnapshotPublisher>(*m_db, *m_master);
    connect(m_publisher.get(), &SnapshotPublisher::poolsChanged, this, &Engine::poolsChanged);
    connect(m_publisher.get(), &SnapshotPublisher::jobsChanged, this, &Engine::jobsChanged);
    connect(m_publisher.get(), &SnapshotPublisher::alertsChanged, this, &Engine::alertsChanged);
    connect(m_publisher.get(), &SnapshotPublisher::historyReady, this, &Engine::historyReady);
    m_stop = false;
    m_runJobs = m_settings.runJobs && !(m_settings.askBeforeRunningSharedJobs && m_db->isPostgres());
    if (auto listening = m_db->listen(this, [this](const QString& table) { configDbChanged(table); }); !listening)
        qCWarning(lcEngine) << "changes made elsewhere show at the next refresh only:" << listening.message();
    if (m_runJobs)
        enroll();
    m_started = true;
    m_tickTimer.start();
    emit started(info());
    refresh();
    tick();
}

void Engine::enroll()
{
    if (auto enrolled = EngineRepo(*m_db).enroll(EngineLock::localHost(), QCoreApplication::applicationPid()))
        m_engineId = *enrolled;
    else
        qCWarning(lcEngine) << "cannot enroll this engine; status will not show it:" << enrolled.message();
    m_lastLockAttemptMs = 0;
    tryTakeLock();
}

void Engine::runJobsHere()
{
    if (!m_started || m_runJobs || !m_settings.runJobs)
        return;
    m_runJobs = true;
    enroll();
    emit roleChanged(info());
}

void Engine::configDbChanged(const QString& table)
{
    Q_UNUSED(table);
    // A burst of commits (a job's progress) becomes one refresh.
    if (!m_changeTimer.isActive())
        m_changeTimer.start();
}

void Engine::watchHolder()
{
    // Who runs the jobs, for a console that does not: a failover shows within seconds.
    const qint64 now = nowMs();
    if (m_lock || now - m_lastHolderCheckMs < 2000)
        return;
    m_lastHolderCheckMs = now;
    const EngineHolder holder = EngineLock::holder(m_settings.workspaceDir, *m_db);
    if (holder.host != m_lastHolder.host || holder.pid != m_lastHolder.pid) {
        m_lastHolder = holder;
        emit roleChanged(info());
    }
}

void Engine::stop()
{
    if (!m_started) {
        emit stopped();
        return;
    }
    m_tickTimer.stop();
    m_stop = true;
    m_runner.joinAll();
    if (m_engineId > 0) {
        if (auto removed = EngineRepo(*m_db).remove(m_engineId); !removed)
            qCWarning(lcEngine) << "cannot remove this engine's enrolment; it is taken for dead in"
                                << EngineRepo::staleAfterMs / 1000 << "s:" << removed.message();
        m_engineId = 0;
    }
    if (m_lock)
        m_lock->release();
    m_lock.reset();
    m_started = false;
    publishJobs();
    emit stopped();
}

void Engine::refresh()
{
    if (!m_db)
        return;
    m_publisher->publishPools();
    m_publisher->publishJobs(true);
    m_publisher->publishAlerts();
}

RateLimiter* Engine::limiterFor(const PoolRecord& pool)
{
    auto& limiter = m_limiters[pool.id];
    if (!limiter)
        limiter = std::make_shared<RateLimiter>();
    const qint64 rate = m_settings.maxRateOverride > 0 ? m_settings.maxRateOverride : pool.maxRateBytes;
    if (limiter->rate() != rate)
        limiter->setRate(rate);
    return limiter.get();
}

void Engine::tick()
{
    if (!m_db)
        return;
    reapThreads();
    const bool hadLock = m_lock != nullptr;
    if (m_runJobs)
        beat();
    const bool runsJobs = m_runJobs && tryTakeLock();
    if (runsJobs != hadLock)
        emit roleChanged(info());
    if (!runsJobs)
        watchHolder();
    if (runsJobs) {
        scheduleJobs();
        carryOutRequests();
    }
    followRequests();
    const qint64 now = nowMs();
    if (now - m_lastSampleMs >= m_settings.sampleMs) {
        m_lastSampleMs = now;
        if (runsJobs) {
            sample();
            autoBalance();
            housekeeping();
        }
        publishPools();
        publishAlerts();
    }
    publishJobs();
    // The statements above are the probe: Qt does not report a dropped connection by itself.
    const bool reachable = !m_db->connectionLost();
    if (reachable != m_reachable) {
        m_reachable = reachable;
        m_connectionProblem = reachable
            ? QString()
            : QStringLiteral("lost the connection to ConfigDb %1; reconnecting").arg(m_db->path());
        if (reachable)
            refresh(); // what changed meanwhile; no notification told
        emit connectionChanged(info());
    }
    if (runsJobs) {
        followDrains();
        // Idle: nothing runs and nothing can run now. Jobs waiting for a compaction that failed
        // are tried again later (by this engine while it runs, or by the next one).
        auto active = JobRepo(*m_db).list(true);
        const bool onlyDeferred = active && std::all_of(active->cbegin(), active->cend(), [&](const JobRecord& job) {
            return m_deferred.contains(job.id);
        });
        const bool idleNow = m_runner.jobCount() == 0 && !m_runner.hasTasks() && onlyDeferred && !drainsAwaitArrivals();
        if (idleNow && !m_wasIdle)
            emit idle();
        m_wasIdle = idleNow;
    }
}

void Engine::sample()
{
    auto storages = StorageRepo(*m_db).list();
    if (!storages)
        return;
    QList<CapacitySample> samples;
    const qint64 now = nowMs();
    for (const StorageUsage& usage : measureStorages(*storages))
        samples.append({ usage.storage.id, now, usage.storage.usedBytes, usage.capacityBytes, usage.reachable });
    SampleRepo repo(*m_db);
    if (auto added = repo.add(samples); !added)
        qCWarning(lcEngine) << "cannot store the capacity samples; the history has a gap:" << added.message();
    if (now - m_lastThinMs > 3'600'000) {
        m_lastThinMs = now;
        if (auto thinned = repo.thin(now); !thinned)
            qCWarning(lcEngine) << "cannot thin the capacity history; it is tried again in an hour:"
                                << thinned.message();
    }
}

void Engine::autoBalance()
{
    auto pools = PoolRepo(*m_db).list();
    if (!pools)
        return;
    for (const PoolRecord& pool : std::as_const(*pools)) {
        Balancer balancer(*m_db);
        auto detected = balancer.detect(pool);
        if (!detected || pool.mode != PoolMode::Automatic)
            continue;
        auto storages = StorageRepo(*m_db).list(pool.id);
        const bool marked = storages && std::any_of(storages->cbegin(), storages->cend(), [](const StorageRecord& s) {
            return s.state == StorageState::Marked;
        });
        auto active = JobRepo(*m_db).activeForPool(pool.id);
        const bool busy = !active || !active->isEmpty() || m_runner.runsTaskForPool(pool.id);
        const qint64 now = nowMs();
        if (marked && !busy && now - m_lastAutoAttempt.value(pool.id, 0) >= m_settings.autoRetryMs) {
            m_lastAutoAttempt.insert(pool.id, now);
            balancePool(pool.name);
        }
    }
}

void Engine::scheduleJobs()
{
    if (m_stop)
        return;
    auto active = JobRepo(*m_db).list(true);
    if (!active)
        return;
    QHash<qint64, int> out;
    QHash<qint64, int> in;
    for (const JobRecord& running : m_runner.runningJobs()) {
        ++out[running.fromStorageId];
        ++in[running.toStorageId];
    }
    QList<JobRecord> jobs = *active;
    std::sort(jobs.begin(), jobs.end(), [](const JobRecord& a, const JobRecord& b) { return a.id < b.id; });
    for (const JobRecord& job : std::as_const(jobs)) {
        if (m_runner.isRunning(job.id) || m_retryAfterMs.value(job.id, 0) > nowMs())
            continue;
        auto pool = PoolRepo(*m_db).byId(job.poolId);
        if (!pool)
            continue;
        if (out.value(job.fromStorageId) >= pool->maxMovesOut || in.value(job.toStorageId) >= pool->maxMovesIn)
            continue;
        ++out[job.fromStorageId];
        ++in[job.toStorageId];

        MigrationOptions options;
        options.limiter = limiterFor(*pool);
        options.stop = &m_stop;
        options.ownerEpoch = m_epoch;
        options.logOptions = m_settings.logOptions;
        options.phaseHook = m_settings.phaseHook;
        options.progress = [this](const JobProgress& progress) {
            m_runner.deliver([this, progress] { emit jobProgress(progress); });
        };
        m_runner.startJob(job, options);
        m_wasIdle = false;
    }
}

void Engine::reapThreads()
{
    // Bookkeeping first, signals after: a slot may stop the engine.
    QSet<qint64> finishedPools;
    QSet<qint64> trashOf;
    QList<JobRecord> finishedJobs;
    QList<JobRecord> deferredJobs;
    for (const FinishedJob& running : m_runner.reap()) {
        auto job = JobRepo(*m_db).byId(running.job.id);
        if (job && running.outcome != JobOutcome::Stopped && !isActive(job->state))
            finishedJobs.append(*job);
        // A job that stopped (storage unreachable, ConfigDb busy) or whose end did not reach
        // ConfigDb must not spin: it waits before the next attempt. A deferred compaction waits
        // longer, and does not keep the engine from being idle.
        if (!job || isActive(job->state)) {
            const bool deferred = running.outcome == JobOutcome::Deferred;
            m_retryAfterMs.insert(running.job.id, nowMs() + (deferred ? m_settings.deferredRetryMs : 10000));
            if (deferred) {
                m_deferred.insert(running.job.id);
                if (job)
                    deferredJobs.append(*job);
            }
            if (!m_stop)
                qCWarning(lcEngine, "job %lld did not finish (%s); retrying in %d s", running.job.id,
                    qPrintable(running.error), deferred ? m_settings.deferredRetryMs / 1000 : 10);
        } else {
            m_deferred.remove(running.job.id);
        }
        finishedPools.insert(running.job.poolId);
        trashOf.insert(running.job.fromStorageId);
        trashOf.insert(running.job.toStorageId);
    }
    if (finishedPools.isEmpty())
        return;
    // The space of compacted users is freed after the job, not while it holds its storages.
    QList<StorageRecord> trashStorages;
    for (qint64 id : std::as_const(trashOf)) {
        if (auto storage = StorageRepo(*m_db).byId(id))
            trashStorages.append(*storage);
    }
    runTask(EngineCommand::EmptyTrash, 0, [trashStorages](Master& master, const DeliverToEngine&) {
        for (const StorageRecord& storage : trashStorages) {
            auto root = master.openStorage(storage);
            if (!root)
                continue;
            if (auto emptied = root->emptyTrash(); !emptied)
                qCWarning(lcEngine) << "cannot empty the trash of" << storage.name
                                    << "; it is emptied after the next job that touches it:" << emptied.message();
        }
    });
    // A finished move may bring a marked storage back under high.
    for (qint64 poolId : std::as_const(finishedPools)) {
        auto pool = PoolRepo(*m_db).byId(poolId);
        if (!pool)
            continue;
        if (auto detected = Balancer(*m_db).detect(*pool); !detected)
            qCWarning(lcEngine) << "cannot update the state of pool" << pool->name
                                << "after a move; the next sample does:" << detected.message();
    }
    if (!m_stop && m_lock)
        scheduleJobs();
    publishJobs();
    publishPools();
    publishAlerts();
    for (const JobRecord& job : std::as_const(finishedJobs))
        emit jobFinished(job);
    for (const JobRecord& job : std::as_const(deferredJobs))
        emit jobDeferred(job);
}

void Engine::publishPools()
{
    m_publisher->publishPools();
}

void Engine::publishJobs()
{
    m_publisher->publishJobs();
}

void Engine::publishAlerts()
{
    m_publisher->publishAlerts();
}

void Engine::runTask(EngineCommand command, qint64 poolId, TaskWork work, qint64 requestId)
{
    m_runner.startTask(command, poolId, std::move(work), requestId);
    m_wasIdle = false;
}

namespace {

QString resultName(CommandResult result)
{
    switch (result) {
    case CommandResult::Done:
        return QStringLiteral("done");
    case CommandResult::NothingToMove:
        return QStringLiteral("nothing-to-move");
    case CommandResult::JobNotActive:
        return QStringLiteral("job-not-active");
    case CommandResult::JobPastSwitch:
        return QStringLiteral("job-past-switch");
    case CommandResult::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

CommandResult resultFromName(const QString& name)
{
    for (CommandResult result : { CommandResult::Done, CommandResult::NothingToMove, CommandResult::JobNotActive,
             CommandResult::JobPastSwitch }) {
        if (resultName(result) == name)
            return result;
    }
    return CommandResult::Failed;
}

QString thisProcess()
{
    return QStringLiteral("process %1 on %2").arg(QCoreApplication::applicationPid()).arg(EngineLock::localHost());
}

} // namespace

void Engine::reply(qint64 requestId, const CommandOutcome& outcome)
{
    if (requestId == 0) {
        finish(outcome);
        return;
    }
    m_requestProgressMs.remove(requestId);
    // Interrupted because this engine stops or lost its lock: the request stays claimed, and
    // whoever takes the lock next carries it out again.
    if (m_stop && !outcome.succeeded())
        return;
    if (auto recorded = RequestRepo(*m_db).finish(
            requestId, outcome.succeeded(), resultName(outcome.result), outcome.count, outcome.detail);
        !recorded)
        qCWarning(lcEngine) << "cannot record the outcome of request" << requestId
                            << "; it is carried out again at the next takeover:" << recorded.message();
}

void Engine::reportScanProgress(qint64 requestId, const ScanProgress& progress)
{
    if (requestId == 0) {
        emit scanProgress(progress);
        return;
    }
    // A console elsewhere follows the row: a few updates a second are enough.
    const qint64 now = nowMs();
    if (now - m_requestProgressMs.value(requestId, 0) < 300 && progress.usersDone + 1 < progress.usersTotal)
        return;
    m_requestProgressMs.insert(requestId, now);
    if (auto written
        = RequestRepo(*m_db).setProgress(requestId, progress.usersDone, progress.usersTotal, progress.currentUser);
        !written)
        qCDebug(lcEngine) << "progress of request" << requestId << "not written; the next one is:" << written.message();
}

bool Engine::delegate(RequestKind kind, const QString& subject, EngineCommand command, quint64 generation)
{
    // Only a console of a shared ConfigDb, while an engine on another process runs the jobs.
    if (!m_db->isPostgres() || m_lock)
        return false;
    const EngineHolder holder = EngineLock::holder(m_settings.workspaceDir, *m_db);
    if (holder.isNone())
        return false;
    auto submitted = RequestRepo(*m_db).submit(kind, subject, thisProcess());
    if (!submitted) {
        finish(CommandOutcome::failed(command, submitted.message()));
        return true;
    }
    qCInfo(lcEngine).noquote() << "asked the engine" << holder.describe() << "to" << toString(kind) << subject;
    m_requests.insert(*submitted, FollowedRequest { command, generation, 0, 0 });
    return true;
}

void Engine::followRequests()
{
    const qint64 now = nowMs();
    // By id: a signal sent from here may lead to a new request being added.
    const QList<qint64> ids = m_requests.keys();
    for (qint64 id : ids) {
        if (!m_requests.contains(id))
            continue;
        FollowedRequest& followed = m_requests[id];
        auto request = RequestRepo(*m_db).byId(id);
        if (!request) {
            if (request.error().code != ErrorCode::NotFound)
                continue; // ConfigDb unreachable: followed again once it answers
            const EngineCommand command = followed.command;
            m_requests.remove(id);
            finish(CommandOutcome::failed(command, request.message()));
            continue;
        }
        if (request->state == RequestState::Running && request->updatedMs != followed.seenUpdateMs
            && request->progressTotal > 0) {
            followed.seenUpdateMs = request->updatedMs;
            emit scanProgress(ScanProgress { static_cast<int>(request->progressDone),
                static_cast<int>(request->progressTotal), request->progressText });
        }
        if (request->state == RequestState::Pending) {
            // Nobody to carry it out: said after a while rather than waited for forever.
            const bool engineRuns = m_lock || !EngineLock::holder(m_settings.workspaceDir, *m_db).isNone();
            if (engineRuns) {
                followed.noEngineSinceMs = 0;
            } else if (followed.noEngineSinceMs == 0) {
                followed.noEngineSinceMs = now;
            } else if (now - followed.noEngineSinceMs > 10000) {
                const QString why = QStringLiteral("no engine runs for ConfigDb %1 any more: start one (the "
                                                   "poolkeeper-engine service, or Run the engine here) and try again")
                                        .arg(m_db->path());
                if (auto withdrawn = RequestRepo(*m_db).withdraw(id, why); withdrawn && *withdrawn) {
                    const EngineCommand command = followed.command;
                    m_requests.remove(id);
                    finish(CommandOutcome::failed(command, why));
                }
            }
            continue;
        }
        if (!request->isFinished())
            continue;
        const FollowedRequest done = followed;
        m_requests.remove(id);
        deliverRequestOutcome(done.command, done.generation, *request);
    }
}

void Engine::deliverRequestOutcome(EngineCommand command, quint64 generation, const RequestRecord& request)
{
    CommandOutcome outcome = request.state == RequestState::Done
        ? CommandOutcome::done(command, request.subject, request.resultCount, request.detail)
        : CommandOutcome::failed(command, request.detail);
    outcome.result = request.state == RequestState::Done ? resultFromName(request.result) : CommandResult::Failed;
    if (!outcome.succeeded() || command == EngineCommand::Drain) {
        finish(outcome);
        publishJobs();
        publishPools();
        return;
    }
    // What the engine stored is what this console shows, as if it had run here.
    auto pool = PoolRepo(*m_db).byName(request.subject);
    auto scan = pool ? ScanRepo(*m_db).latest(pool->id) : Result<ScanReport>(pool.error());
    if (!scan) {
        finish(CommandOutcome::failed(command, scan.message()));
        return;
    }
    emit scanFinished(*scan, command == EngineCommand::Scan ? generation : 0);
    if (command == EngineCommand::Balance) {
        if (outcome.result == CommandResult::Done) {
            if (auto plan = PlanRepo(*m_db).latest(pool->id); plan && plan->id > 0)
                emit planReady(*plan);
        }
        finish(outcome);
        publishJobs();
        publishAlerts();
    }
    publishPools();
}

void Engine::carryOutRequests()
{
    if (m_stop || !m_db->isPostgres())
        return;
    for (;;) {
        auto claimed = RequestRepo(*m_db).claimNext(thisProcess());
        if (!claimed) {
            qCDebug(lcEngine) << "requests of consoles are looked at again at the next tick:" << claimed.message();
            return;
        }
        if (!claimed->has_value())
            return;
        const RequestRecord& request = **claimed;
        qCInfo(lcEngine).noquote() << "carrying out" << toString(request.kind) << request.subject << "for"
                                   << request.requestedBy;
        switch (request.kind) {
        case RequestKind::Scan:
            startScan(request.subject, 0, request.id);
            break;
        case RequestKind::Balance:
            startBalance(request.subject, request.id);
            break;
        case RequestKind::Drain:
            startDrain(request.subject, request.id);
            break;
        }
    }
}

void Engine::scanPool(const QString& poolName, quint64 generation)
{
    if (!delegate(RequestKind::Scan, poolName, EngineCommand::Scan, generation))
        startScan(poolName, generation, 0);
}

void Engine::startScan(const QString& poolName, quint64 generation, qint64 requestId)
{
    runTask(
        EngineCommand::Scan, PoolRepo(*m_db).byName(poolName).valueOr(PoolRecord {}).id,
        [this, poolName, generation, requestId](Master& master, const DeliverToEngine& deliver) {
            auto pool = PoolRepo(master.db()).byName(poolName);
            Result<ScanReport> report = pool
                ? Balancer(master.db())
                      .scan(*pool, &m_stop,
                          [&](const ScanProgress& p) {
                              deliver([this, p, requestId] { reportScanProgress(requestId, p); });
                          })
                : Result<ScanReport>(pool.error());
            if (report) {
                deliver([this, r = *report, generation, requestId, poolName] {
                    if (requestId == 0)
                        emit scanFinished(r, generation);
                    else
                        reply(requestId, CommandOutcome::done(EngineCommand::Scan, poolName, r.entries.size()));
                    publishPools();
                });
            } else {
                deliver([this, m = report.message(), requestId] {
                    reply(requestId, CommandOutcome::failed(EngineCommand::Scan, m));
                });
            }
        },
        requestId);
}

void Engine::planPool(const QString& poolName)
{
    runTask(EngineCommand::Plan, PoolRepo(*m_db).byName(poolName).valueOr(PoolRecord {}).id,
        [this, poolName](Master& master, const DeliverToEngine& deliver) {
            auto pool = PoolRepo(master.db()).byName(poolName);
            Result<PlanRecord> plan
                = pool ? Balancer(master.db()).plan(*pool, &m_stop) : Result<PlanRecord>(pool.error());
            if (plan) {
                deliver([this, p = *plan] {
                    emit planReady(p);
                    publishAlerts();
                });
            } else {
                deliver([this, m = plan.message()] { finish(CommandOutcome::failed(EngineCommand::Plan, m)); });
            }
        });
}

void Engine::balancePool(const QString& poolName)
{
    if (!delegate(RequestKind::Balance, poolName, EngineCommand::Balance))
        startBalance(poolName, 0);
}

void Engine::startBalance(const QString& poolName, qint64 requestId)
{
    runTask(
        EngineCommand::Balance, PoolRepo(*m_db).byName(poolName).valueOr(PoolRecord {}).id,
        [this, poolName, requestId](Master& master, const DeliverToEngine& deliver) {
            auto fail = [this, &deliver, requestId](const QString& message) {
                deliver([this, message, requestId] {
                    reply(requestId, CommandOutcome::failed(EngineCommand::Balance, message));
                });
            };
            auto pool = PoolRepo(master.db()).byName(poolName);
            if (!pool)
                return fail(pool.message());
            Balancer balancer(master.db());
            auto scan = balancer.scan(*pool, &m_stop,
                [&](const ScanProgress& p) { deliver([this, p, requestId] { reportScanProgress(requestId, p); }); });
            if (!scan)
                return fail(scan.message());
            if (requestId == 0)
                deliver([this, r = *scan] { emit scanFinished(r, 0); });
            auto plan = balancer.plan(*pool, &m_stop);
            if (!plan)
                return fail(plan.message());
            if (requestId == 0)
                deliver([this, p = *plan] { emit planReady(p); });
            if (plan->moves.isEmpty()) {
                if (auto rejected = balancer.reject(*pool); !rejected)
                    qCWarning(lcEngine) << "cannot set aside the empty plan of pool" << poolName
                                        << "; the next plan replaces it:" << rejected.message();
                deliver([this, poolName, summary = plan->summary, requestId] {
                    CommandOutcome outcome = CommandOutcome::done(EngineCommand::Balance, poolName, 0, summary);
                    outcome.result = CommandResult::NothingToMove;
                    reply(requestId, outcome);
                    publishAlerts();
                });
                return;
            }
            auto approved = balancer.approve(*pool);
            if (!approved)
                return fail(approved.message());
            deliver([this, poolName, n = approved->jobIds.size(), summary = plan->summary, requestId] {
                reply(requestId, CommandOutcome::done(EngineCommand::Balance, poolName, n, summary));
                publishJobs();
                publishAlerts();
                if (m_lock)
                    scheduleJobs();
            });
        },
        requestId);
}

void Engine::approvePlan(const QString& poolName, const QStringList& users)
{
    auto pool = PoolRepo(*m_db).byName(poolName);
    auto approved = pool ? Balancer(*m_db).approve(*pool, users) : Result<ApprovalResult>(pool.error());
    if (!approved) {
        finish(CommandOutcome::failed(EngineCommand::Approve, approved.message()));
        return;
    }
    finish(CommandOutcome::done(EngineCommand::Approve, poolName, approved->jobIds.size()));
    publishJobs();
    if (m_lock)
        scheduleJobs();
}

void Engine::rejectPlan(const QString& poolName)
{
    auto pool = PoolRepo(*m_db).byName(poolName);
    const Status status = pool ? Balancer(*m_db).reject(*pool) : Status(pool.error());
    finish(status ? CommandOutcome::done(EngineCommand::Reject, poolName)
                  : CommandOutcome::failed(EngineCommand::Reject, status.message()));
}

void Engine::cancelJob(qint64 id)
{
    auto refuse = [this, id](CommandResult why, const QString& subject) {
        CommandOutcome outcome = CommandOutcome::done(EngineCommand::CancelJob, subject);
        outcome.result = why;
        outcome.jobId = id;
        finish(outcome);
    };
    auto job = JobRepo(*m_db).byId(id);
    if (!job) {
        finish(CommandOutcome::failed(EngineCommand::CancelJob, job.message()));
        return;
    }
    if (!isActive(job->state)) {
        refuse(CommandResult::JobNotActive, toString(job->state));
        return;
    }
    if (job->isSwitched()) {
        refuse(CommandResult::JobPastSwitch, job->toName);
        return;
    }
    auto requested = JobRepo(*m_db).requestCancel(id);
    if (!requested) {
        finish(CommandOutcome::failed(EngineCommand::CancelJob, requested.message()));
    } else if (!*requested) {
        // It reached the switch meanwhile: the user lives on the destination now.
        refuse(CommandResult::JobPastSwitch, job->toName);
    } else {
        CommandOutcome outcome = CommandOutcome::done(EngineCommand::CancelJob);
        outcome.jobId = id;
        finish(outcome);
    }
    publishJobs();
}

void Engine::drainStorage(const QString& storage)
{
    if (!delegate(RequestKind::Drain, storage, EngineCommand::Drain))
        startDrain(storage, 0);
}

void Engine::startDrain(const QString& storage, qint64 requestId)
{
    auto record = StorageRepo(*m_db).byName(storage);
    runTask(
        EngineCommand::Drain, record ? record->poolId : 0,
        [this, storage, requestId](Master& master, const DeliverToEngine& deliver) {
            auto approved = Balancer(master.db()).drain(storage, &m_stop);
            if (!approved) {
                deliver([this, m = approved.message(), requestId] {
                    reply(requestId, CommandOutcome::failed(EngineCommand::Drain, m));
                });
                return;
            }
            deliver([this, n = approved->jobIds.size(), notes = approved->notes.join(QStringLiteral("; ")), storage,
                        requestId] {
                reply(requestId, CommandOutcome::done(EngineCommand::Drain, storage, n, notes));
                publishJobs();
                publishPools();
                if (m_lock)
                    scheduleJobs();
            });
        },
        requestId);
}

void Engine::acknowledgeAlert(qint64 id)
{
    if (auto status = AlertRepo(*m_db).acknowledge(id); !status)
        finish(CommandOutcome::failed(EngineCommand::AcknowledgeAlert, status.message()));
    publishAlerts();
}

void Engine::addPool(const QString& name, double highPercent, double lowPercent, PoolMode mode)
{
    auto pool = m_master->addPool(name, highPercent, lowPercent, mode);
    finish(pool ? CommandOutcome::done(EngineCommand::AddPool, name)
                : CommandOutcome::failed(EngineCommand::AddPool, pool.message()));
    publishPools();
}

void Engine::addStorage(const QString& pool, const QString& name, const QString& path, qint64 quotaBytes)
{
    auto storage
        = m_master->addStorage(pool, name, path, quotaBytes > 0 ? std::optional<qint64>(quotaBytes) : std::nullopt);
    finish(storage ? CommandOutcome::done(EngineCommand::AddStorage, name)
                   : CommandOutcome::failed(EngineCommand::AddStorage, storage.message()));
    publishPools();
}

void Engine::updatePool(const PoolRecord& pool)
{
    const Status status = PoolRepo(*m_db).update(pool);
    finish(status ? CommandOutcome::done(EngineCommand::UpdatePool, pool.name)
                  : CommandOutcome::failed(EngineCommand::UpdatePool, status.message()));
    publishPools();
}

void Engine::requestHistory(qint64 poolId, qint64 sinceMs, int maxPoints, quint64 generation)
{
    m_publisher->publishHistory(poolId, sinceMs, maxPoints, generation);
}

void Engine::writeSupportBundle(const QString& path)
{
    runTask(EngineCommand::SupportBundle, 0, [this, path](Master& master, const DeliverToEngine& deliver) {
        auto result = SupportBundle::write(master, path);
        if (result)
            deliver([this, path, n = result->entries.size(), notes = result->notes.join(QStringLiteral("; "))] {
                finish(CommandOutcome::done(EngineCommand::SupportBundle, path, n, notes));
            });
        else
            deliver([this, m = result.message()] { finish(CommandOutcome::failed(EngineCommand::SupportBundle, m)); });
    });
}

void Engine::requestPlan(const QString& poolName)
{
    auto pool = PoolRepo(*m_db).byName(poolName);
    auto plan = pool ? PlanRepo(*m_db).latest(pool->id) : Result<PlanRecord>(pool.error());
    if (plan && plan->id > 0)
        emit planReady(*plan);
}

void Engine::requestScan(const QString& poolName)
{
    auto pool = PoolRepo(*m_db).byName(poolName);
    auto scan = pool ? ScanRepo(*m_db).latest(pool->id) : Result<ScanReport>(pool.error());
    if (scan && scan->id > 0)
        emit scanFinished(*scan, 0);
}

} // namespace pk
