#pragma once

// The job timeline of a migration log: one span per job from its first to its last line, with its
// user, storages and outcome, built in a worker thread as the document grows.

#include "backgroundrunner.h"
#include "logrecord.h"

#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QStringList>

#include <memory>

namespace pk {

class LogDocument;
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

// Keeps the timeline of a document up to date in a worker thread. The document must outlive it.
class JobTimelineRunner : public BackgroundRunner
{
    Q_OBJECT

public:
    explicit JobTimelineRunner(LogDocument* document, QObject* parent = nullptr);

    QList<JobSpan> jobs() const { return m_jobs; }
    qint64 scannedRows() const { return m_scanned; }

signals:
    void changed(); // jobs() holds a newer timeline
    void finished(); // every announced row is in it

private:
    void startPass() override;
    void restart();
    void deliver(const QList<JobSpan>& spans, quint64 documentGeneration, qint64 scannedTo, bool final);

    struct Pass;
    LogDocument* m_document;
    QList<JobSpan> m_jobs;
    qint64 m_scanned = 0;
    std::shared_ptr<Pass> m_pass; // the worker's builder, shared so that a pass outliving the runner keeps it
};

} // namespace pk

Q_DECLARE_METATYPE(pk::JobSpan)
