#pragma once

// The skeleton of the log viewer's background passes (LogQueryRunner, JobTimelineRunner): a worker
// thread, generations so a newer request drops what older passes still deliver, a safe shutdown.

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace pk {

class LogWorkerThread;

class BackgroundRunner : public QObject
{
    Q_OBJECT

public:
    // Stops the running pass at its next isCurrent() check, waits for it and drops the queued
    // ones and every result not applied yet.
    ~BackgroundRunner() override;

    quint64 generation() const { return m_generation; }
    bool isRunning() const { return m_running; }

    // What a pass sees of its generation, in the worker thread.
    class Run
    {
    public:
        quint64 generation() const { return m_generation; }
        // False once a newer generation started or the runner is going away: stop early.
        bool isCurrent() const { return m_latest->load(std::memory_order_acquire) == m_generation; }
        // Queues apply(runner) to the runner's thread; it runs there only if the generation is
        // still the runner's current one by then. The worker never touches the runner itself: it
        // may be half destroyed (its subclass part gone) while the pass ends.
        template<typename Runner, typename Apply> void deliver(Apply apply) const
        {
            post([apply = std::move(apply)](BackgroundRunner* runner) { apply(static_cast<Runner*>(runner)); });
        }

    private:
        friend class BackgroundRunner;
        void post(std::function<void(BackgroundRunner*)> apply) const;
        BackgroundRunner* m_runner = nullptr;
        quint64 m_generation = 0;
        std::shared_ptr<const std::atomic<quint64>> m_latest;
    };

protected:
    explicit BackgroundRunner(const QString& threadName, QObject* parent = nullptr);

    // Starts a pass over what is there now, with post(), or tells that there is nothing to do.
    virtual void startPass() = 0;
    // More input arrived (rows appended): a pass starts now unless one is running; that one's
    // last delivery calls endPass() and looks again.
    void requestPass()
    {
        if (!m_running)
            startPass();
    }
    // Supersedes the current generation: no pass is running for the new one yet.
    quint64 newGeneration();
    // Runs work in the worker thread after the work posted before; isRunning() until endPass().
    // work must capture values and shared state only, never the runner: a subclass's members are
    // destroyed before this base waits for the thread. What Run::deliver applies may use it.
    void post(std::function<void(const Run&)> work);
    void endPass() { m_running = false; }

private:
    quint64 m_generation = 0;
    bool m_running = false;
    std::shared_ptr<std::atomic<quint64>> m_latest;
    std::unique_ptr<LogWorkerThread> m_thread;
};

} // namespace pk
