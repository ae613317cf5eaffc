#include "jobrunner.h"

#include "configdb/configdb.h"
#include "master/master.h"

#include <QMetaObject>
#include <QObject>

namespace pk {

struct JobRunner::RunningJob
{
    FinishedJob result;
    std::thread thread;
    std::atomic<bool> finished { false };
};

struct JobRunner::Task
{
    EngineCommand command = EngineCommand::Scan;
    qint64 poolId = 0;
    std::thread thread;
    std::atomic<bool> finished { false };
};

JobRunner::JobRunner(QObject* engine, Callbacks callbacks)
    : m_engine(engine)
    , m_callbacks(std::move(callbacks))
{ }

JobRunner::~JobRunner()
{
    joinAll();
}

void JobRunner::deliver(std::function<void()> function) const
{
    QMetaObject::invokeMethod(m_engine, std::move(function), Qt::QueuedConnection);
}

void JobRunner::startJob(const JobRecord& job, const MigrationOptions& options)
{
    auto running = std::make_unique<RunningJob>();
    running->result.job = job;
    RunningJob* raw = running.get();
    raw->thread = std::thread([this, raw, options] {
        auto db = ConfigDb::open(m_configDb, ConfigDb::OpenMode::MustExist);
        if (db) {
            (*db)->setWorkspaceDir(m_workspaceDir);
            Master master(**db);
            MigrationJob migration(master.db(), raw->result.job, options);
            raw->result.outcome = migration.run();
            raw->result.error = migration.error();
        } else {
            raw->result.outcome = JobOutcome::Stopped;
            raw->result.error = db.message();
        }
        raw->finished = true;
        deliver(m_callbacks.threadEnded);
    });
    m_jobs.emplace(job.id, std::move(running));
}

void JobRunner::startTask(EngineCommand command, qint64 poolId, TaskWork work, qint64 requestId)
{
    auto task = std::make_unique<Task>();
    task->command = command;
    task->poolId = poolId;
    Task* raw = task.get();
    raw->thread = std::thread([this, raw, command, requestId, work = std::move(work)] {
        const DeliverToEngine deliverToEngine
            = [this](std::function<void()> function) { deliver(std::move(function)); };
        auto db = ConfigDb::open(m_configDb, ConfigDb::OpenMode::MustExist);
        if (!db) {
            deliver([failed = m_callbacks.taskFailedToStart, command, requestId, message = db.message()] {
                failed(command, requestId, message);
            });
        } else {
            (*db)->setWorkspaceDir(m_workspaceDir);
            Master master(**db);
            work(master, deliverToEngine);
        }
        raw->finished = true;
        deliver(m_callbacks.threadEnded);
    });
    m_tasks.push_back(std::move(task));
}

QList<FinishedJob> JobRunner::reap()
{
    QList<FinishedJob> finished;
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        RunningJob& running = *it->second;
        if (!running.finished) {
            ++it;
            continue;
        }
        running.thread.join();
        finished.append(std::move(running.result));
        it = m_jobs.erase(it);
    }
    for (auto it = m_tasks.begin(); it != m_tasks.end();) {
        if ((*it)->finished) {
            (*it)->thread.join();
            it = m_tasks.erase(it);
        } else {
            ++it;
        }
    }
    return finished;
}

void JobRunner::joinAll()
{
    for (auto& [id, running] : m_jobs) {
        if (running->thread.joinable())
            running->thread.join();
    }
    m_jobs.clear();
    for (auto& task : m_tasks) {
        if (task->thread.joinable())
            task->thread.join();
    }
    m_tasks.clear();
}

QList<JobRecord> JobRunner::runningJobs() const
{
    QList<JobRecord> jobs;
    for (const auto& [id, running] : m_jobs)
        jobs.append(running->result.job);
    return jobs;
}

bool JobRunner::runsTask(EngineCommand command) const
{
    return std::any_of(m_tasks.cbegin(), m_tasks.cend(),
        [command](const std::unique_ptr<Task>& task) { return task->command == command; });
}

bool JobRunner::runsTaskForPool(qint64 poolId) const
{
    return std::any_of(m_tasks.cbegin(), m_tasks.cend(),
        [poolId](const std::unique_ptr<Task>& task) { return task->poolId == poolId; });
}

} // namespace pk
