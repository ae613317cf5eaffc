#pragma once

// The one way the core runs work on several threads: indexes [0, count) are handed out to worker
// threads while the calling thread runs a periodic tick (where accounting against ConfigDb and
// progress live, since a ConfigDb connection belongs to the thread that opened it). The first
// error, from a body or from the tick, or a stop request ends the handing out; the error is
// returned. Bodies that take long check cancelled() between their steps.

#include "result.h"

#include <atomic>
#include <chrono>
#include <functional>

namespace pk {

class ParallelFor
{
public:
    struct Options
    {
        int threads = 0; // 0: one per core
        const std::atomic<bool>* stop = nullptr;
        std::chrono::milliseconds tickInterval { 250 };
    };

    explicit ParallelFor(Options options);

    // The number of workers a run uses at most; worker indexes are below it (per-worker state).
    int threads() const { return m_threads; }
    // True once an error or a stop request ends the run.
    bool cancelled() const;

    // Runs body(index, worker) for every index in [0, count), and tick() every tickInterval while
    // they run and once after. Returns the first error; a stop request is not an error (the
    // caller, who owns the flag, says what stopping means).
    Status run(qint64 count, const std::function<Status(qint64 index, int worker)>& body,
        const std::function<Status()>& tick = {});

private:
    Options m_options;
    int m_threads = 1;
    std::atomic<bool> m_cancelled { false };
};

} // namespace pk
