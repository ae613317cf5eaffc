#pragma once

// A byte-rate limit shared by the jobs of one pool (token bucket with one second of burst).
// Waiting is interruptible by the stop flag.

#include <QtGlobal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace pk {

class RateLimiter
{
public:
    explicit RateLimiter(qint64 bytesPerSecond = 0);

    // 0: unlimited.
    void setRate(qint64 bytesPerSecond);
    qint64 rate() const;
    // Blocks until bytes may pass; returns false when stop turned true meanwhile.
    bool acquire(qint64 bytes, const std::atomic<bool>* stop = nullptr);

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    qint64 m_rate = 0;
    double m_tokens = 0;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace pk
