#pragma once

// Runs migration jobs and the engine's tasks (scans, plans, housekeeping) on threads of their own,
// each with its own ConfigDb connection, and hands their ends back to the engine's thread.

#include "commandoutcome.h"
#include "configdb/configdblocation.h"
#include "configdb/enginerecords.h"
#include "migration/migrationjob.h"

#include <QList>
#include <QString>

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <thread>

class QObject;

namespace pk {

class Master;

// Hands a function to the engine's thread, where it runs after everything handed before it.
using DeliverToEngine = std::function<void(std::function<void()>)>;
// The work of a task: it runs on a thread of its own, with its own ConfigDb connection and Master,
// and gives results and progress back to the engine only through deliver.
using TaskWork = std::function<void(Master& master, const DeliverToEngine& deliver)>;

// A job whose thread has ended, as reap() returns it.
struct FinishedJob
{
    JobRecord job; // as it was when it started
    JobOutcome outcome = JobOutcome::Stopped;
    QString error;
};

// Plain threads, not a QThreadPool: a job may wait for minutes (a user's lock, the rate limit),
// and the engine already bounds how many run at once (moves in and out per storage); a pool would
// add a second, hidden limit and queue jobs behind each other. A thread that ends posts
// threadEnded to the engine's thread, where reap() joins it (a join that no longer waits).
class JobRunner
{
public:
    struct Callbacks
    {
        std::function<void()> threadEnded; // on the engine's thread: call reap()
        // On the engine's thread, with the request the task carries out (0: a command of its own).
        std::function<void(EngineCommand, qint64 requestId, const QString&)> taskFailedToStart;
    };

    // engine: the QObject whose thread results are delivered to.
    JobRunner(QObject* engine, Callbacks callbacks);
    ~JobRunner(); // joins every thread (their stop flag must be set)
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    // The ConfigDb each thread opens its own connection to; set before the first start.
    void setConfigDb(const ConfigDbLocation& location, const QString& workspaceDir)
    {
        m_configDb = location;
        m_workspaceDir = workspaceDir;
    }

    void startJob(const JobRecord& job, const MigrationOptions& options);
    void startTask(EngineCommand command, qint64 poolId, TaskWork work, qint64 requestId = 0);
    // Joins the threads that ended; returns the jobs among them.
    QList<FinishedJob> reap();
    // Waits for every thread (after the stop flag was set); their results are dropped.
    void joinAll();

    void deliver(std::function<void()> function) const;

    bool isRunning(qint64 jobId) const { return m_jobs.count(jobId) > 0; }
    QList<JobRecord> runningJobs() const;
    int jobCount() const { return static_cast<int>(m_jobs.size()); }
    bool hasTasks() const { return !m_tasks.empty(); }
    bool runsTask(EngineCommand command) const;
    bool runsTaskForPool(qint64 poolId) const;

private:
    struct RunningJob;
    struct Task;

    QObject* m_engine;
    ConfigDbLocation m_configDb;
    QString m_workspaceDir;
    Callbacks m_callbacks;
    std::map<qint64, std::unique_ptr<RunningJob>> m_jobs;
    std::list<std::unique_ptr<Task>> m_tasks;
};

} // namespace pk
