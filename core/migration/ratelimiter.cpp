#include "ratelimiter.h"

#include <algorithm>

namespace pk {

RateLimiter::RateLimiter(qint64 bytesPerSecond)
    : m_last(std::chrono::steady_clock::now())
{
    setRate(bytesPerSecond);
}

void RateLimiter::setRate(qint64 bytesPerSecond)
{
    std::lock_guard lock(m_mutex);
    m_rate = qMax<qint64>(0, bytesPerSecond);
    m_tokens = static_cast<double>(m_rate);
    m_last = std::chrono::steady_clock::now();
    m_changed.notify_all();
}

qint64 RateLimiter::rate() const
{
    std::lock_guard lock(m_mutex);
    return m_rate;
}

bool RateLimiter::acquire(qint64 bytes, const std::atomic<bool>* stop)
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (stop && stop->load())
            return false;
        if (m_rate <= 0)
            return true;
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - m_last).count();
        m_last = now;
        // At most one second of burst; a chunk bigger than that still passes once the bucket is full.
        m_tokens
            = std::min(m_tokens + elapsed * static_cast<double>(m_rate), static_cast<double>(std::max(m_rate, bytes)));
        if (m_tokens >= static_cast<double>(bytes)) {
            m_tokens -= static_cast<double>(bytes);
            return true;
        }
        const double wait = (static_cast<double>(bytes) - m_tokens) / static_cast<double>(m_rate);
        // Wake at least every 100 ms to notice a stop request.
        m_changed.wait_for(lock, std::chrono::duration<double>(std::min(wait, 0.1)));
    }
}

} // namespace pk
