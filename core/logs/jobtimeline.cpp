#include "jobtimeline.h"

#include "logdocument.h"
#include "logfmt.h"
#include "logfmtline.h"
#include "logrow.h"

#include <QElapsedTimer>

#include <algorithm>

namespace pk {

namespace {

constexpr int timelineDeliverIntervalMs = 250;

std::optional<qint64> jobNumber(const LogfmtField& field)
{
    return field.escaped ? parseJobId(field.value()) : parseJobId(field.rawValue);
}

} // namespace

QString toString(LogJobOutcome outcome)
{
    switch (outcome) {
    case LogJobOutcome::Unknown:
        return QStringLiteral("unknown");
    case LogJobOutcome::Done:
        return QStringLiteral("done");
    case LogJobOutcome::Failed:
        return QStringLiteral("failed");
    case LogJobOutcome::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("unknown");
}

JobTimelineBuilder::JobTimelineBuilder(QStringList storages)
    : m_storages(std::move(storages))
{ }

void JobTimelineBuilder::clear()
{
    m_jobs.clear();
}

void JobTimelineBuilder::addLine(qint64 row, int source, QByteArrayView line)
{
    // Most lines of a busy log are not about a job at all: skip them without parsing.
    if (line.indexOf("job=") < 0)
        return;
    LogfmtLine parsed;
    Logfmt::parse(line, parsed);
    add(row, source, parsed);
}

void JobTimelineBuilder::add(qint64 row, int source, const LogfmtLine& parsed)
{
    if (!parsed.valid)
        return;
    const qsizetype jobIndex = parsed.indexOf("job");
    if (jobIndex < 0)
        return;
    const std::optional<qint64> job = jobNumber(parsed.fields.at(jobIndex));
    if (!job)
        return;
    State& state = m_jobs[*job];
    JobSpan& span = state.span;
    if (span.lines == 0) {
        span.job = *job;
        span.firstRow = row;
    }
    ++span.lines;
    span.lastRow = row;
    if (parsed.timeMs) {
        if (!state.hasTime) {
            span.firstMs = *parsed.timeMs;
            span.lastMs = *parsed.timeMs;
            state.hasTime = true;
        }
        span.firstMs = qMin(span.firstMs, *parsed.timeMs);
        span.lastMs = qMax(span.lastMs, *parsed.timeMs);
    }
    const QString storage = m_storages.value(source);
    if (!storage.isEmpty() && !span.storages.contains(storage))
        span.storages.append(storage);
    if (span.user.isEmpty())
        span.user = parsed.value("user");
    if (span.src.isEmpty())
        span.src = parsed.value("src");
    if (span.dst.isEmpty())
        span.dst = parsed.value("dst");
    const LogLevel level = parsed.level.value_or(LogLevel::Info);
    if (level == LogLevel::Warn)
        ++span.warnings;
    else if (level == LogLevel::Error)
        ++span.errors;

    const QString event = parsed.value("event");
    if (event == QLatin1String("summary")) {
        const QString message = parsed.value("msg");
        if (message.startsWith(QLatin1String("moved")))
            span.outcome = LogJobOutcome::Done;
        else if (message.startsWith(QLatin1String("cancelled")))
            span.outcome = LogJobOutcome::Cancelled;
        else if (message.startsWith(QLatin1String("failed")))
            span.outcome = LogJobOutcome::Failed;
        else
            return;
        span.outcomeMessage = message;
        state.fromSummary = true;
    } else if (event == QLatin1String("start")) {
        if (span.lines > 1 && !state.fromSummary)
            span.outcome = LogJobOutcome::Unknown; // resumed after an interruption: running again
    } else if (!state.fromSummary) {
        if (event == QLatin1String("failure")) {
            span.outcome = level == LogLevel::Warn ? LogJobOutcome::Cancelled : LogJobOutcome::Failed;
            span.outcomeMessage = parsed.value("msg");
        } else if (level == LogLevel::Error) {
            span.outcome = LogJobOutcome::Failed;
            span.outcomeMessage = parsed.value("msg");
        }
    }
}

QList<JobSpan> JobTimelineBuilder::spans() const
{
    QList<JobSpan> list;
    list.reserve(m_jobs.size());
    for (const State& state : m_jobs)
        list.append(state.span);
    std::sort(list.begin(), list.end(), [](const JobSpan& a, const JobSpan& b) {
        return a.firstMs != b.firstMs ? a.firstMs < b.firstMs : a.job < b.job;
    });
    return list;
}

// The worker thread's builder for the current document generation.
struct JobTimelineRunner::Pass
{
    quint64 documentGeneration = 0;
    JobTimelineBuilder builder;
};

JobTimelineRunner::JobTimelineRunner(LogDocument* document, QObject* parent)
    : BackgroundRunner(QStringLiteral("log timeline"), parent)
    , m_document(document)
    , m_pass(std::make_shared<Pass>())
{
    connect(document, &LogDocument::rowsAppended, this, [this] { requestPass(); });
    connect(document, &LogDocument::reset, this, [this] { restart(); });
    restart();
}

void JobTimelineRunner::restart()
{
    newGeneration();
    m_scanned = 0;
    if (!m_jobs.isEmpty()) {
        m_jobs.clear();
        emit changed();
    }
    startPass();
}

void JobTimelineRunner::startPass()
{
    if (isRunning())
        return;
    const qint64 total = m_document->rowCount();
    if (m_scanned >= total) {
        emit finished();
        return;
    }
    const quint64 documentGeneration = m_document->generation();
    const QStringList storages = m_document->storages();
    const qint64 from = m_scanned;
    const qint64 to = total;
    LogDocument* document = m_document;
    std::shared_ptr<Pass> pass = m_pass;
    post([pass, document, documentGeneration, storages, from, to](const Run& run) {
        if (pass->documentGeneration != documentGeneration || from == 0) {
            pass->documentGeneration = documentGeneration;
            pass->builder = JobTimelineBuilder(storages);
        }
        QElapsedTimer sinceDelivery;
        sinceDelivery.start();
        auto send = [&](qint64 scannedTo, bool final) {
            run.deliver<JobTimelineRunner>(
                [spans = pass->builder.spans(), documentGeneration, scannedTo, final](
                    JobTimelineRunner* runner) { runner->deliver(spans, documentGeneration, scannedTo, final); });
            sinceDelivery.restart();
        };
        const bool complete = document->visitRows(from, to, documentGeneration, [&](const LogRowBlock& block) {
            if (!run.isCurrent())
                return false;
            for (qsizetype i = 0; i < block.lines.count; ++i)
                pass->builder.addLine(block.firstRow + i, block.source, block.lines.line(i));
            if (sinceDelivery.elapsed() >= timelineDeliverIntervalMs)
                send(block.firstRow + block.lines.count, false);
            return true;
        });
        if (complete)
            send(to, true);
    });
}

void JobTimelineRunner::deliver(const QList<JobSpan>& spans, quint64 documentGeneration, qint64 scannedTo, bool final)
{
    if (documentGeneration != m_document->generation())
        return; // the generation was checked by BackgroundRunner
    m_jobs = spans;
    m_scanned = qMax(m_scanned, scannedTo);
    emit changed();
    if (!final)
        return;
    endPass();
    if (m_document->rowCount() > m_scanned)
        startPass();
    else
        emit finished();
}

} // namespace pk
