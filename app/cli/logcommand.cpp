#include "commands.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "context.h"
#include "logs/logdocument.h"
#include "logs/logfilter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <cstdio>
#include <vector>

namespace pk::cli {

namespace {

constexpr int followIntervalMs = 250;
constexpr qsizetype flushBytes = 1 << 20;

// Lines go to stdout as the bytes they are (a log may hold anything); JSON through QJsonDocument.
class LinePrinter
{
public:
    LinePrinter(const LogDocument& document, const LogFilter& filter, bool json)
        : m_document(document)
        , m_filterSpec(filter)
        , m_filter(filter, document.storages())
        , m_json(json)
        , m_printedLines(std::size_t(qMax(1, document.sourceCount())), 0)
    { }
    ~LinePrinter() { flush(); }

    // Prints the announced rows not printed yet: new rows at the end, or after a truncation
    // the storage's lines that were read again (printed once, where they now are).
    void printNew()
    {
        const quint64 generation = m_document.generation();
        qint64 from = m_printedRows;
        if (generation != m_generation) {
            for (const LogRowLocation& location : m_document.truncatedSince(m_generation))
                m_printedLines[std::size_t(location.source)]
                    = qMin(m_printedLines[std::size_t(location.source)], location.line);
            m_filter = LogFilterMatcher(m_filterSpec, m_document.storages());
            m_generation = generation;
            from = 0;
        }
        const qint64 to = m_document.rowCount();
        // Stopped early only by a reset of the document: the next pass sees the new generation.
        m_document.visitRows(from, to, generation, [&](const LogRowBlock& block) {
            qint64& printed = m_printedLines[std::size_t(block.source)];
            for (qsizetype i = 0; i < block.lines.count; ++i) {
                const qint64 line = block.lines.firstLine + i;
                if (line < printed)
                    continue;
                printed = line + 1;
                const QByteArrayView bytes = block.lines.line(i);
                if (m_filter.matches(block.source, bytes))
                    print(block.source, bytes);
            }
            return true;
        });
        m_printedRows = qMax(m_printedRows, to);
        flush();
    }

    void flush()
    {
        if (!m_buffer.isEmpty()) {
            std::fwrite(m_buffer.constData(), 1, std::size_t(m_buffer.size()), stdout);
            m_buffer.clear();
        }
        std::fflush(stdout);
    }

private:
    void print(int source, QByteArrayView bytes)
    {
        if (m_json) {
            LogRow row = LogRow::parse(bytes);
            row.storage = m_document.storages().value(source);
            m_buffer += QJsonDocument(row.toJson()).toJson(QJsonDocument::Compact);
        } else {
            m_buffer += bytes;
        }
        m_buffer += '\n';
        if (m_buffer.size() >= flushBytes) {
            std::fwrite(m_buffer.constData(), 1, std::size_t(m_buffer.size()), stdout);
            m_buffer.clear();
        }
    }

    const LogDocument& m_document;
    LogFilter m_filterSpec;
    LogFilterMatcher m_filter;
    bool m_json;
    std::vector<qint64> m_printedLines; // per storage: lines printed (or skipped by the filter)
    qint64 m_printedRows = 0;
    quint64 m_generation = 1;
    QByteArray m_buffer;
};

Result<QList<LogSourceSpec>> resolveSources(Context& context, const ParsedArgs& args)
{
    const bool byPool = args.has(QStringLiteral("pool"));
    if (byPool == !args.positional.isEmpty())
        return usageError(
            QStringLiteral("give either a STORAGE or --pool POOL: usage: poolkeeper-cli log (STORAGE | --pool POOL) "
                           "[--follow] [--job ID] [--level LEVEL] [--json]"));
    auto db = context.db();
    if (!db)
        return db.error();
    QList<LogSourceSpec> specs;
    if (!byPool) {
        auto storage = StorageRepo(**db).byName(args.positional.first());
        if (!storage)
            return storage.error();
        specs.append({ storage->name, storage->rootPath });
        return specs;
    }
    auto pool = PoolRepo(**db).byName(args.value(QStringLiteral("pool")));
    if (!pool)
        return pool.error();
    auto storages = StorageRepo(**db).list(pool->id);
    if (!storages)
        return storages.error();
    for (const StorageRecord& storage : std::as_const(*storages))
        specs.append({ storage.name, storage.rootPath });
    return specs;
}

Result<LogFilter> filterOf(const ParsedArgs& args)
{
    LogFilter filter;
    if (args.has(QStringLiteral("level"))) {
        const QString text = args.value(QStringLiteral("level"));
        const auto level = logLevelFromString(QStringView(text));
        if (!level)
            return usageError(QStringLiteral("unknown level '%1': use debug, info, warn or error").arg(text));
        filter.minLevel = *level;
    }
    if (args.has(QStringLiteral("job"))) {
        const QString text = args.value(QStringLiteral("job"));
        bool ok = false;
        const qint64 job = text.toLongLong(&ok);
        if (!ok || job < 0 || text.startsWith(u'+'))
            return usageError(
                QStringLiteral("the job id must be a number, not '%1' (see 'poolkeeper-cli jobs')").arg(text));
        filter.job = job;
    }
    return filter;
}

int runLog(Context& context, const ParsedArgs& args)
{
    auto filter = filterOf(args);
    if (!filter)
        return context.fail(filter.error());
    auto sources = resolveSources(context, args);
    if (!sources)
        return context.fail(sources.error());
    const bool follow = args.has(QStringLiteral("follow"));
    const std::atomic<bool>* stop = Context::stopFlag();

    LogDocument document(*sources);
    LinePrinter printer(document, *filter, args.has(QStringLiteral("json")));
    QList<LogSourceError> reported;
    auto warnNewErrors = [&] {
        for (const LogSourceError& error : document.errors()) {
            if (!reported.contains(error)) {
                reported.append(error);
                printer.flush();
                context.warn(error.message);
            }
        }
    };
    // Print as the index grows: a huge log starts to show at once, and Ctrl-C stops early.
    while (document.indexSome()) {
        printer.printNew();
        if (stop->load())
            return 0;
    }
    printer.printNew();

    if (!follow) {
        const QList<LogSourceError> errors = document.errors();
        if (errors.isEmpty())
            return 0;
        for (qsizetype i = 0; i + 1 < errors.size(); ++i)
            context.warn(errors.at(i).message);
        return context.fail(failed(errors.last().message));
    }
    warnNewErrors();
    while (!stop->load()) {
        if (document.poll()) {
            while (document.indexSome() && !stop->load()) {
                printer.printNew();
            }
            printer.printNew();
            warnNewErrors();
        }
        for (int waited = 0; waited < followIntervalMs && !stop->load(); waited += 50)
            QThread::msleep(50);
    }
    return 0;
}

} // namespace

QList<CommandSpec> logCommands()
{
    return {
        { { QStringLiteral("log") }, QStringLiteral("[STORAGE]"), 0, 1,
            QStringLiteral("show the migration log of a storage, or of every storage of a pool"),
            QStringLiteral(
                "Prints inSyncMigration.log with its rotations (.1, .N.gz, read in place) as one log, oldest first.\n"
                "With --pool the logs of all storages of the pool are merged by time. Give either STORAGE or\n"
                "--pool POOL. A damaged or unreadable file: what could be read is printed, then the error (exit 1)."),
            { { QStringLiteral("pool"), QStringLiteral("POOL"),
                  QStringLiteral("every storage of the pool, merged by time") },
                { QStringLiteral("follow"), {},
                    QStringLiteral("keep printing new lines, across rotation and truncation, until Ctrl-C") },
                { QStringLiteral("job"), QStringLiteral("ID"), QStringLiteral("only the lines of this migration job") },
                { QStringLiteral("level"), QStringLiteral("LEVEL"),
                    QStringLiteral("only this level and above: debug, info, warn, error") },
                { QStringLiteral("json"), {},
                    QStringLiteral(
                        "one JSON object per line: time, level, job, user, src, dst, phase, msg, storage, raw") } },
            runLog },
    };
}

} // namespace pk::cli
