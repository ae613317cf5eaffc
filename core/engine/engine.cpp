#include "engine.h"

#include "balance/balancer.h"
#include "configdb/alertrepo.h"
#include "configdb/claimrepo.h"
#include "configdb/configdb.h"
#include "configdb/jobrepo.h"
#include "configdb/planrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/samplerepo.h"
#include "configdb/scanrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "downsample.h"
#include "enginelock.h"
#include "master/master.h"
#include "master/storagebooks.h"
#include "master/workspace.h"
#include "migration/ratelimiter.h"
#include "supportbundle.h"
#include "util/logging.h"
#include "util/sizes.h"

#include <map>

namespace pk {

struct Engine::RunningJob
{
    JobRecord job;
    std::thread thread;
    std::atomic<bool> finished { false };
    JobOutcome outcome = JobOutcome::Stopped;
    QString error;
};

struct Engine::Task
{
    QString name;
    qint64 poolId = 0;
    std::thread thread;
    std::atomic<bool> finished { false };
};

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
        return true;
    }();
    Q_UNUSED(registered);
}

} // namespace

Engine::Engine(Settings settings, QObject* parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_tickTimer(this)
{
    registerMetaTypes();
    m_tickTimer.setInterval(m_settings.tickMs);
    connect(&m_tickTimer, &QTimer::timeout, this, &Engine::tick);
}

Engine::~Engine()
{
    m_stop = true;
    for (auto& [id, running] : m_running) {
        if (running->thread.joinable())
            running->thread.join();
    }
    for (auto& task : m_tasks) {
        if (task->thread.joinable())
            task->thread.join();
    }
}

int Engine::runningJobCount() const
{
    return static_cast<int>(m_running.size());
}

void Engine::post(std::function<void()> function)
{
    QMetaObject::invokeMethod(this, std::move(function), Qt::QueuedConnection);
}

bool Engine::tryTakeLock()
{
    if (m_lock && m_lock->isHeld())
        return true;
    auto lock = EngineLock::acquire(m_settings.workspaceDir);
    if (!lock)
        return false;
    m_lock = std::make_unique<EngineLock>(std::move(*lock));
    // Jobs a crashed engine left running are ours now: back to pending, their phase says where
    // they resume.
    auto jobs = JobRepo(*m_db).list(true);
    if (jobs) {
        for (const JobRecord& job : std::as_const(*jobs)) {
            if (job.state == JobState::Running)
                (void)JobRepo(*m_db).requeue(job.id);
        }
    }
    if (auto storages = StorageRepo(*m_db).list()) {
        for (const StorageRecord& storage : std::as_const(*storages)) {
            if (auto root = m_master->openStorage(storage))
                root->removeStaleTemporaries();
        }
    }
    // What killed backups and failed moves left behind is settled before anything else runs.
    housekeeping();
    return true;
}

void Engine::housekeeping()
{
    const bool running = std::any_of(m_tasks.cbegin(), m_tasks.cend(),
        [](const std::unique_ptr<Task>& task) { return task->name == QLatin1String("housekeeping"); });
    if (running)
        return;
    runTask(QStringLiteral("housekeeping"), 0, [this](Master& master, const auto& deliver) {
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
    auto db = m_settings.createWorkspace ? Workspace::create(m_settings.workspaceDir)
                                         : Workspace::open(m_settings.workspaceDir);
    if (!db) {
        emit startFailed(db.message());
        return;
    }
    m_db = std::move(*db);
    m_master = std::make_unique<Master>(*m_db);
    m_stop = false;
    EngineInfo info;
    info.workspaceDir = m_settings.workspaceDir;
    if (m_settings.runJobs) {
        info.runsJobs = tryTakeLock();
        if (!info.runsJobs)
            info.lockHolderPid = EngineLock::holder(m_settings.workspaceDir);
    }
    m_started = true;
    m_tickTimer.start();
    emit started(info);
    refresh();
    tick();
}

void Engine::stop()
{
    if (!m_started) {
        emit stopped();
        return;
    }
    m_tickTimer.stop();
    m_stop = true;
    for (auto& [id, running] : m_running) {
        if (running->thread.joinable())
            running->thread.join();
    }
    m_running.clear();
    for (auto& task : m_tasks) {
        if (task->thread.joinable())
            task->thread.join();
    }
    m_tasks.clear();
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
    publishPools();
    m_lastJobsStamp = -1;
    publishJobs();
    publishAlerts();
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
    const bool runsJobs = m_settings.runJobs && tryTakeLock();
    if (runsJobs)
        scheduleJobs();
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
    if (runsJobs) {
        followDrains();
        // Idle: nothing runs and nothing can run now. Jobs waiting for a compaction that failed
        // are tried again later (by this engine while it runs, or by the next one).
        auto active = JobRepo(*m_db).list(true);
        const bool onlyDeferred = active && std::all_of(active->cbegin(), active->cend(), [&](const JobRecord& job) {
            return m_deferred.contains(job.id);
        });
        const bool idleNow = m_running.empty() && m_tasks.empty() && onlyDeferred && !drainsAwaitArrivals();
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
        samples.append({ usage.storage.id, now, usage.storage.usedBytes, usage.capacityBytes });
    SampleRepo repo(*m_db);
    (void)repo.add(samples);
    if (now - m_lastThinMs > 3600 * 1000) {
        m_lastThinMs = now;
        (void)repo.thin(now);
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
        const bool busy = !active || !active->isEmpty()
            || std::any_of(
                m_tasks.cbegin(), m_tasks.cend(), [&](const std::unique_ptr<Task>& t) { return t->poolId == pool.id; });
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
    for (const auto& [id, running] : m_running) {
        ++out[running->job.fromStorageId];
        ++in[running->job.toStorageId];
    }
    QList<JobRecord> jobs = *active;
    std::sort(jobs.begin(), jobs.end(), [](const JobRecord& a, const JobRecord& b) { return a.id < b.id; });
    for (const JobRecord& job : std::as_const(jobs)) {
        if (m_running.count(job.id) || m_retryAfterMs.value(job.id, 0) > nowMs())
            continue;
        auto pool = PoolRepo(*m_db).byId(job.poolId);
        if (!pool)
            continue;
        if (out.value(job.fromStorageId) >= pool->maxMovesOut || in.value(job.toStorageId) >= pool->maxMovesIn)
            continue;
        ++out[job.fromStorageId];
        ++in[job.toStorageId];

        auto running = std::make_unique<RunningJob>();
        running->job = job;
        RunningJob* raw = running.get();
        MigrationOptions options;
        options.limiter = limiterFor(*pool);
        options.stop = &m_stop;
        options.logOptions = m_settings.logOptions;
        options.phaseHook = m_settings.phaseHook;
        options.progress
            = [this](const JobProgress& progress) { post([this, progress] { emit jobProgress(progress); }); };
        const QString dbPath = Workspace::configDbPath(m_settings.workspaceDir);
        raw->thread = std::thread([this, raw, options, dbPath] {
            auto db = ConfigDb::open(dbPath, ConfigDb::OpenMode::MustExist);
            if (db) {
                Master master(**db);
                MigrationJob migration(master.db(), raw->job, options);
                raw->outcome = migration.run();
                raw->error = migration.error();
            } else {
                raw->outcome = JobOutcome::Stopped;
                raw->error = db.message();
            }
            raw->finished = true;
            post([this] { reapThreads(); });
        });
        m_running.emplace(job.id, std::move(running));
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
    for (auto it = m_running.begin(); it != m_running.end();) {
        RunningJob& running = *it->second;
        if (!running.finished) {
            ++it;
            continue;
        }
        running.thread.join();
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
        it = m_running.erase(it);
    }
    for (auto it = m_tasks.begin(); it != m_tasks.end();) {
        if ((*it)->finished) {
            (*it)->thread.join();
            it = m_tasks.erase(it);
        } else {
            ++it;
        }
    }
    if (finishedPools.isEmpty())
        return;
    // The space of compacted users is freed after the job, not while it holds its storages.
    QList<StorageRecord> trashStorages;
    for (qint64 id : std::as_const(trashOf)) {
        if (auto storage = StorageRepo(*m_db).byId(id))
            trashStorages.append(*storage);
    }
    runTask(QStringLiteral("empty trash"), 0, [trashStorages](Master& master, const auto&) {
        for (const StorageRecord& storage : trashStorages) {
            if (auto root = master.openStorage(storage))
                (void)root->emptyTrash();
        }
    });
    // A finished move may bring a marked storage back under high.
    for (qint64 poolId : std::as_const(finishedPools)) {
        if (auto pool = PoolRepo(*m_db).byId(poolId))
            (void)Balancer(*m_db).detect(*pool);
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
    auto pools = m_master->status();
    if (pools)
        emit poolsChanged(*pools);
}

void Engine::publishJobs()
{
    auto stamp = JobRepo(*m_db).changeStamp();
    if (!stamp)
        return;
    const qint64 value = *stamp;
    if (value == m_lastJobsStamp)
        return;
    m_lastJobsStamp = value;
    auto jobs = JobRepo(*m_db).list(false, 500);
    if (jobs)
        emit jobsChanged(*jobs);
}

void Engine::publishAlerts()
{
    auto alerts = AlertRepo(*m_db).list(false, 500);
    if (alerts)
        emit alertsChanged(*alerts);
}

void Engine::runTask(const QString& name, qint64 poolId,
    std::function<void(Master&, const std::function<void(std::function<void()>)>&)> work)
{
    auto task = std::make_unique<Task>();
    task->name = name;
    task->poolId = poolId;
    Task* raw = task.get();
    const QString dbPath = Workspace::configDbPath(m_settings.workspaceDir);
    raw->thread = std::thread([this, raw, dbPath, name, work = std::move(work)] {
        auto deliver = [this](std::function<void()> function) { post(std::move(function)); };
        auto db = ConfigDb::open(dbPath, ConfigDb::OpenMode::MustExist);
        if (!db) {
            const QString message = db.message();
            deliver([this, name, message] { emit commandFailed(name, message); });
        } else {
            Master master(**db);
            work(master, deliver);
        }
        raw->finished = true;
        post([this] { reapThreads(); });
    });
    m_tasks.push_back(std::move(task));
    m_wasIdle = false;
}

void Engine::scanPool(const QString& poolName, quint64 generation)
{
    runTask(QStringLiteral("scan"), PoolRepo(*m_db).byName(poolName).valueOr(PoolRecord {}).id,
        [this, poolName, generation](Master& master, const auto& deliver) {
            auto pool = PoolRepo(master.db()).byName(poolName);
            Result<ScanReport> report = pool
                ? Balancer(master.db())
                      .scan(
                          *pool, &m_stop, [&](const ScanProgress& p) { deliver([this, p] { emit scanProgress(p); }); })
                : Result<ScanReport>(pool.error());
            if (report) {
                deliver([this, r = *report, generation] {
                    emit scanFinished(r, generation);
                    publishPools();
                });
            } else {
                deliver([this, m = report.message()] { emit commandFailed(QStringLiteral("scan"), m); });
            }
        });
}

void Engine::planPool(const QString& poolName)
{
    runTask(QStringLiteral("plan"), PoolRepo(*m_db).byName(poolName).valueOr(PoolRecord {}).id,
        [this, poolName](Master& master, const auto& deliver) {
            auto pool = PoolRepo(master.db()).byName(poolName);
            Result<PlanRecord> plan
                = pool ? Balancer(master.db()).plan(*pool, &m_stop) : Result<PlanRecord>(pool.error());
            if (plan) {
                deliver([this, p = *plan] {
                    emit planReady(p);
                    publishAlerts();
                });
            } else {
                deliver([this, m = plan.message()] { emit commandFailed(QStringLiteral("plan"), m); });
            }
        });
}

void Engine::balancePool(const QString& poolName)
{
    runTask(QStringLiteral("balance"), PoolRepo(*m_db).byName(poolName).valueOr(PoolRecord {}).id,
        [this, poolName](Master& master, const auto& deliver) {
            auto pool = PoolRepo(master.db()).byName(poolName);
            if (!pool) {
                deliver([this, m = pool.message()] { emit commandFailed(QStringLiteral("balance"), m); });
                return;
            }
            Balancer balancer(master.db());
            auto scan = balancer.scan(
                *pool, &m_stop, [&](const ScanProgress& p) { deliver([this, p] { emit scanProgress(p); }); });
            if (!scan) {
                deliver([this, m = scan.message()] { emit commandFailed(QStringLiteral("balance"), m); });
                return;
            }
            deliver([this, r = *scan] { emit scanFinished(r, 0); });
            auto plan = balancer.plan(*pool, &m_stop);
            if (!plan) {
                deliver([this, m = plan.message()] { emit commandFailed(QStringLiteral("balance"), m); });
                return;
            }
            deliver([this, p = *plan] { emit planReady(p); });
            if (plan->moves.isEmpty()) {
                (void)balancer.reject(*pool);
                deliver([this, s = plan->summary] {
                    emit commandDone(QStringLiteral("balance"), s.isEmpty() ? QStringLiteral("nothing to move") : s);
                    publishAlerts();
                });
                return;
            }
            auto approved = balancer.approve(*pool);
            if (!approved) {
                deliver([this, m = approved.message()] { emit commandFailed(QStringLiteral("balance"), m); });
                return;
            }
            deliver([this, n = approved->jobIds.size(), s = plan->summary] {
                emit commandDone(QStringLiteral("balance"), QStringLiteral("%1 moves approved. %2").arg(n).arg(s));
                publishJobs();
                publishAlerts();
                if (m_lock)
                    scheduleJobs();
            });
        });
}

void Engine::approvePlan(const QString& poolName, const QStringList& users)
{
    auto pool = PoolRepo(*m_db).byName(poolName);
    auto approved = pool ? Balancer(*m_db).approve(*pool, users) : Result<ApprovalResult>(pool.error());
    if (!approved) {
        emit commandFailed(QStringLiteral("approve"), approved.message());
        return;
    }
    emit commandDone(QStringLiteral("approve"), QStringLiteral("%1 moves approved").arg(approved->jobIds.size()));
    publishJobs();
    if (m_lock)
        scheduleJobs();
}

void Engine::rejectPlan(const QString& poolName)
{
    auto pool = PoolRepo(*m_db).byName(poolName);
    const Status status = pool ? Balancer(*m_db).reject(*pool) : Status(pool.error());
    if (!status)
        emit commandFailed(QStringLiteral("reject"), status.message());
    else
        emit commandDone(QStringLiteral("reject"), QStringLiteral("plan rejected"));
}

void Engine::cancelJob(qint64 id)
{
    auto job = JobRepo(*m_db).byId(id);
    if (!job) {
        emit commandFailed(QStringLiteral("cancel"), job.message());
        return;
    }
    if (!isActive(job->state)) {
        emit commandFailed(QStringLiteral("cancel"),
            QStringLiteral("job %1 is %2, not pending or running").arg(id).arg(toString(job->state)));
        return;
    }
    if (job->isSwitched()) {
        emit commandFailed(QStringLiteral("cancel"),
            QStringLiteral("job %1 is past the switch: the user already lives on '%2'; it finishes")
                .arg(id)
                .arg(job->toName));
        return;
    }
    auto requested = JobRepo(*m_db).requestCancel(id);
    if (!requested)
        emit commandFailed(QStringLiteral("cancel"), requested.message());
    else if (!*requested)
        emit commandFailed(QStringLiteral("cancel"),
            QStringLiteral("job %1 reached the switch meanwhile: the user lives on '%2' now; it finishes")
                .arg(id)
                .arg(job->toName));
    else
        emit commandDone(QStringLiteral("cancel"), QStringLiteral("job %1 is being cancelled").arg(id));
    publishJobs();
}

void Engine::drainStorage(const QString& storage)
{
    auto record = StorageRepo(*m_db).byName(storage);
    runTask(QStringLiteral("drain"), record ? record->poolId : 0, [this, storage](Master& master, const auto& deliver) {
        auto approved = Balancer(master.db()).drain(storage, &m_stop);
        if (!approved) {
            deliver([this, m = approved.message()] { emit commandFailed(QStringLiteral("drain"), m); });
            return;
        }
        deliver([this, n = approved->jobIds.size(), notes = approved->notes.join(QStringLiteral("; ")), storage] {
            emit commandDone(QStringLiteral("drain"),
                QStringLiteral("draining '%1': %2 moves approved%3")
                    .arg(storage)
                    .arg(n)
                    .arg(notes.isEmpty() ? QString() : QStringLiteral(" (") + notes + u')'));
            publishJobs();
            publishPools();
            if (m_lock)
                scheduleJobs();
        });
    });
}

void Engine::acknowledgeAlert(qint64 id)
{
    if (auto status = AlertRepo(*m_db).acknowledge(id); !status)
        emit commandFailed(QStringLiteral("acknowledge"), status.message());
    publishAlerts();
}

void Engine::addPool(const QString& name, double highPercent, double lowPercent, PoolMode mode)
{
    auto pool = m_master->addPool(name, highPercent, lowPercent, mode);
    if (!pool)
        emit commandFailed(QStringLiteral("add pool"), pool.message());
    else
        emit commandDone(QStringLiteral("add pool"), QStringLiteral("added pool '%1'").arg(name));
    publishPools();
}

void Engine::addStorage(const QString& pool, const QString& name, const QString& path, qint64 quotaBytes)
{
    auto storage
        = m_master->addStorage(pool, name, path, quotaBytes > 0 ? std::optional<qint64>(quotaBytes) : std::nullopt);
    if (!storage)
        emit commandFailed(QStringLiteral("add storage"), storage.message());
    else
        emit commandDone(QStringLiteral("add storage"), QStringLiteral("added storage '%1'").arg(name));
    publishPools();
}

void Engine::updatePool(const PoolRecord& pool)
{
    if (auto status = PoolRepo(*m_db).update(pool); !status)
        emit commandFailed(QStringLiteral("pool settings"), status.message());
    else
        emit commandDone(
            QStringLiteral("pool settings"), QStringLiteral("saved the settings of pool '%1'").arg(pool.name));
    publishPools();
}

void Engine::requestHistory(qint64 poolId, qint64 sinceMs, int maxPoints, quint64 generation)
{
    PoolHistory history;
    history.poolId = poolId;
    history.generation = generation;
    auto storages = StorageRepo(*m_db).list(poolId);
    if (!storages)
        return;
    SampleRepo samples(*m_db);
    for (const StorageRecord& storage : std::as_const(*storages)) {
        auto range = samples.range(storage.id, sinceMs, nowMs());
        if (!range)
            continue;
        QList<QPointF> points;
        points.reserve(range->size());
        for (const CapacitySample& sample : std::as_const(*range)) {
            if (sample.capacityBytes > 0)
                points.append(QPointF(static_cast<double>(sample.timeMs),
                    100.0 * static_cast<double>(sample.usedBytes) / static_cast<double>(sample.capacityBytes)));
        }
        history.storages.append({ storage.id, storage.name, downsample(points, maxPoints) });
    }
    emit historyReady(history);
}

void Engine::writeSupportBundle(const QString& path)
{
    runTask(QStringLiteral("support bundle"), 0, [this, path](Master& master, const auto& deliver) {
        auto result = SupportBundle::write(master, path);
        if (result)
            deliver([this, path, n = result->entries.size(), notes = result->notes] {
                emit commandDone(QStringLiteral("support bundle"),
                    QStringLiteral("wrote %1 (%2 files)%3")
                        .arg(path)
                        .arg(n)
                        .arg(notes.isEmpty() ? QString() : QStringLiteral("; ") + notes.join(QStringLiteral("; "))));
            });
        else
            deliver([this, m = result.message()] { emit commandFailed(QStringLiteral("support bundle"), m); });
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
