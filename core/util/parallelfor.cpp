#include "parallelfor.h"

#include <QThread>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace pk {

ParallelFor::ParallelFor(Options options)
    : m_options(options)
    , m_threads(options.threads > 0 ? options.threads : qMax(1, QThread::idealThreadCount()))
{ }

bool ParallelFor::cancelled() const
{
    return m_cancelled.load() || (m_options.stop && m_options.stop->load());
}

Status ParallelFor::run(
    qint64 count, const std::function<Status(qint64, int)>& body, const std::function<Status()>& tick)
{
    m_cancelled = false;
    std::mutex mutex;
    std::condition_variable done;
    std::optional<Error> firstError;
    std::atomic<qint64> next { 0 };
    auto fail = [&](const Error& error) {
        std::lock_guard lock(mutex);
        if (!firstError)
            firstError = error;
        m_cancelled = true;
    };
    const int workerCount = static_cast<int>(std::min<qint64>(m_threads, std::max<qint64>(1, count)));
    int active = workerCount;
    std::vector<std::thread> workers;
    workers.reserve(static_cast<size_t>(workerCount));
    for (int worker = 0; worker < workerCount; ++worker) {
        workers.emplace_back([&, worker] {
            while (!cancelled()) {
                const qint64 index = next.fetch_add(1);
                if (index >= count)
                    break;
                if (Status status = body(index, worker); !status) {
                    fail(status.error());
                    break;
                }
            }
            std::lock_guard lock(mutex);
            --active;
            done.notify_all();
        });
    }
    for (;;) {
        bool finished = false;
        {
            std::unique_lock lock(mutex);
            done.wait_for(lock, m_options.tickInterval, [&] { return active == 0; });
            finished = active == 0;
        }
        if (tick) {
            if (Status status = tick(); !status)
                fail(status.error());
        }
        if (finished)
            break;
    }
    for (std::thread& worker : workers)
        worker.join();
    if (firstError)
        return *firstError;
    return {};
}

} // namespace pk
