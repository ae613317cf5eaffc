#include "backgroundrunner.h"

#include "logworkerthread.h"

namespace pk {

BackgroundRunner::BackgroundRunner(const QString& threadName, QObject* parent)
    : QObject(parent)
    , m_latest(std::make_shared<std::atomic<quint64>>(0))
    , m_thread(std::make_unique<LogWorkerThread>(threadName))
{ }

BackgroundRunner::~BackgroundRunner()
{
    // Generation 0 is never current: the running pass stops at its next check. Once the thread
    // is joined nothing posts to this object any more, and ~QObject drops what was posted.
    m_latest->store(0, std::memory_order_release);
    m_thread.reset();
}

quint64 BackgroundRunner::newGeneration()
{
    ++m_generation;
    m_latest->store(m_generation, std::memory_order_release);
    m_running = false;
    return m_generation;
}

void BackgroundRunner::post(std::function<void(const Run&)> work)
{
    m_running = true;
    Run run;
    run.m_runner = this;
    run.m_generation = m_generation;
    run.m_latest = m_latest;
    m_thread->post([work = std::move(work), run] {
        if (run.isCurrent())
            work(run);
    });
}

void BackgroundRunner::Run::post(std::function<void(BackgroundRunner*)> apply) const
{
    // The runner outlives its worker thread (its destructor joins it), so it may be the context;
    // what is still queued when it is destroyed is dropped with it.
    BackgroundRunner* runner = m_runner;
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        runner,
        [runner, generation, apply = std::move(apply)] {
            if (generation == runner->m_generation)
                apply(runner);
        },
        Qt::QueuedConnection);
}

} // namespace pk
