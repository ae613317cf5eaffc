#pragma once

// The job timeline of a migration log: one span per job from its first to its last line, with its
// user, storages and outcome, built in a worker thread as the document grows.

#include "logrecord.h"

#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <memory>

namespace pk {

class LogDocument;
class LogWorkerThread;
struct LogfmtLine;

enum class LogJobOutcome { Unknown, Done, Failed, Cancelled };
QString toString(LogJobOutcome outcome);

struct JobSpan
{
    qint64 job = 0;
    QString user;
    QString src;
    QString dst;
    QStringList storages; // whose logs hold its lines
    qint64 firstMs = 0;
    qint64 lastMs = 0;
    qint64 firstRow = -1;
    qint64 lastRow = -1;
    qint64 lines = 0;
    qint64 warnings = 0;
    qint64 errors = 0;
    LogJobOutcome outcome = LogJobOutcome::Unknown;
    QString outcomeMessage; // the summary, or the failure's reason

    qint64 durationMs() const { return lastMs - firstMs; }
    friend bool operator==(const JobSpan&, const JobSpan&) = default;
};

// Folds rows, in document order, into job spans. What MigrationJob writes decides the outcome:
// event=summary with msg "moved user ..." (done), "failed: ..." or "cancelled: ..."; before a
// summary, event=failure (error: failed, warn: cancelled) or any level=error line (failed);
// event=start after an interruption makes it unknown (running) again.
class JobTimelineBuilder
{
public:
    explicit JobTimelineBuilder(QStringList storages = {});
    void addLine(qint64 row, int source, QByteArrayView line);
    void add(qint64 row, int source, const LogfmtLine& parsed);
    // Ordered by first time, then job id.
    QList<JobSpan> spans() const;
    qsizetype jobCount() const { return m_jobs.size(); }
    void clear();

private:
    struct State
    {
        JobSpan span;
        bool fromSummary = false;
        bool hasTime = false;
    };
    QStringList m_storages;
    QHash<qint64, State> m_jobs;
};

class JobTimelineRunner : public QObject
{
    Q_OBJECT

public:
    explicit JobTimelineRunner(LogDocument* document, QObject* parent = nullptr);
    ~JobTimelineRunner() override;

    QList<JobSpan> jobs() const { return m_jobs; }
    bool isRunning() const { return m_running; }
    qint64 scannedRows() const { return m_scanned; }

signals:
    void changed(); // jobs() holds a newer timeline
    void finished(); // every announced row is in it

private:
    void startPass();
    void restart();

    struct Pass;
    LogDocument* m_document;
    QList<JobSpan> m_jobs;
    qint64 m_scanned = 0;
    bool m_running = false;
    quint64 m_generation = 0;
    std::shared_ptr<std::atomic<quint64>> m_latest;
    std::unique_ptr<Pass> m_pass;
    std::unique_ptr<LogWorkerThread> m_thread;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::JobSpan)
