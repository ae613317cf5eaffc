#pragma once

// A thread that runs posted functions one after the other: each background pass of the log
// viewer (filter and search, job timeline) has its own, so a long pass never waits behind another.

#include <QObject>
#include <QString>
#include <QThread>

#include <functional>

namespace pk {

class LogWorkerThread
{
public:
    explicit LogWorkerThread(const QString& name)
    {
        m_thread.setObjectName(name);
        m_context.moveToThread(&m_thread);
        m_thread.start(QThread::LowPriority);
    }
    // Waits for the running function; the queued ones are dropped. Tasks look at their own
    // cancellation flags to stop early.
    ~LogWorkerThread()
    {
        m_thread.quit();
        m_thread.wait();
    }
    LogWorkerThread(const LogWorkerThread&) = delete;
    LogWorkerThread& operator=(const LogWorkerThread&) = delete;

    void post(std::function<void()> task)
    {
        QMetaObject::invokeMethod(&m_context, std::move(task), Qt::QueuedConnection);
    }

private:
    QThread m_thread;
    QObject m_context; // lives in m_thread: queued calls on it run there
};

} // namespace pk
