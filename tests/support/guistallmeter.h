#pragma once

// Measures how long the GUI thread's event loop stalls while background work runs, and judges it
// against the duration of that work measured in the same run: work done on the GUI thread stalls
// it for about the whole duration, work on a worker thread for a small part of it. A ratio, not a
// fixed time, so a loaded machine (which slows both) gives the same verdict.

#include <QElapsedTimer>
#include <QString>
#include <QTimer>

#include <algorithm>
#include <functional>

class GuiStallMeter
{
public:
    // Counts gaps only while `active` says the work runs (always when empty).
    explicit GuiStallMeter(std::function<bool()> active = {})
        : m_active(std::move(active))
    {
        m_ticker.setInterval(10);
        QObject::connect(&m_ticker, &QTimer::timeout, &m_ticker, [this] {
            const qint64 now = m_clock.elapsed();
            const bool working = !m_active || m_active();
            if (working) {
                if (m_last >= 0)
                    m_longest = std::max(m_longest, now - m_last);
                if (m_workStart < 0)
                    m_workStart = m_last >= 0 ? m_last : now;
                m_workEnd = now;
            }
            m_last = working ? now : -1;
        });
        m_clock.start();
        m_ticker.start();
    }

    // Starts counting again (what happened before, such as creating a window, is not the work).
    void restart()
    {
        m_longest = 0;
        m_last = -1;
        m_workStart = -1;
        m_workEnd = -1;
    }
    void stop() { m_ticker.stop(); }

    qint64 longestStallMs() const { return m_longest; }
    qint64 workMs() const { return m_workStart < 0 ? 0 : m_workEnd - m_workStart; }
    // The event loop never stalled for half of the work or more (work on the GUI thread stalls it
    // for about all of it). Below 200 ms a stall is no symptom: a loaded machine's scheduler alone
    // can keep a thread waiting that long.
    bool responsive() const { return m_longest < std::max<qint64>(200, workMs() / 2); }
    QString describe() const
    {
        return QStringLiteral("longest GUI stall %1 ms during %2 ms of work").arg(m_longest).arg(workMs());
    }

private:
    std::function<bool()> m_active;
    QTimer m_ticker;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    qint64 m_longest = 0;
    qint64 m_workStart = -1;
    qint64 m_workEnd = -1;
};
