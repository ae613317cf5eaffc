#pragma once

// The one worker thread of core/logs: an event loop that runs posted functions one after the
// other and hosts objects that need one (LogDocument's indexer with its follow timers).
//
// Threads in core/logs, and why there are no others: LogDocument indexes and follows its files in
// a LogWorkerThread of its own; LogQueryRunner and JobTimelineRunner are BackgroundRunners
// (backgroundrunner.h), each with its own LogWorkerThread so a long pass never waits behind
// another, and with generations that drop superseded results. Readers (the table model, the CLI)
// call LogDocument from their own thread under its lock.

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
    // cancellation flags to stop early. Adopted objects are deleted in the thread as it ends.
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

    // Moves object (without a parent) into the thread, which deletes it when it ends: its timers
    // and watchers are stopped in the thread that started them.
    void adopt(QObject* object)
    {
        object->moveToThread(&m_thread);
        QObject::connect(&m_thread, &QThread::finished, object, &QObject::deleteLater);
    }

private:
    QThread m_thread;
    QObject m_context; // lives in m_thread: queued calls on it run there
};

} // namespace pk
