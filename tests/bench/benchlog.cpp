// poolkeeper-bench log: the log viewer's index and search on a generated inSyncMigration.log
// (options.sizeBytes, 1 GiB by default) against wc -l and grep -c on the same file, page cache
// warm for all. Targets: index at least half as fast as wc -l (time <= 2x), search at least half
// as fast as grep -c (time <= 2x); also bytes of index per line and the time to the first screen.

#include "benchregistry.h"
#include "benchutil.h"
#include "logs/logdocument.h"
#include "logs/logfmt.h"
#include "logs/logquery.h"
#include "util/sizes.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <cstdio>

namespace pk::bench {

namespace {

const char* const searchText = "checksum mismatch";
const char* const searchRegex = "user=user-4[0-9] .*phase=verifying";

// Lines as MigrationJob writes them: a start, phases, many progress lines, a summary; now and
// then a failure with its reason (what the fixed-string search looks for).
qint64 generateLog(const QString& path, qint64 size)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        fail(QStringLiteral("cannot write %1").arg(path));
    QRandomGenerator random(2026);
    const char* phases[]
        = { "copying", "catch-up", "freeze", "final-catch-up", "verifying", "switching", "compacting" };
    QByteArray buffer;
    qint64 written = 0;
    qint64 lines = 0;
    qint64 time = 1795515302123;
    qint64 job = 1;
    while (written < size) {
        const QString user = QStringLiteral("user-%1").arg(random.bounded(500));
        const QString src = QStringLiteral("store-%1").arg(QChar(u'a' + random.bounded(8)));
        const QString dst = QStringLiteral("store-%1").arg(QChar(u'a' + random.bounded(8)));
        const qint64 total = qint64(random.bounded(1 << 20)) * 4096;
        auto write = [&](LogLevel level, const char* phase, const char* event, const QString& message, qint64 bytes) {
            LogRecord record;
            record.timeMs = time += random.bounded(40);
            record.level = level;
            record.set(QStringLiteral("job"), job);
            record.set(QStringLiteral("user"), user);
            record.set(QStringLiteral("src"), src);
            record.set(QStringLiteral("dst"), dst);
            record.set(QStringLiteral("phase"), QString::fromLatin1(phase));
            record.set(QStringLiteral("event"), QString::fromLatin1(event));
            if (bytes >= 0) {
                record.set(QStringLiteral("bytes"), bytes);
                record.set(QStringLiteral("total"), total);
            }
            record.set(QStringLiteral("msg"), message);
            Logfmt::formatTo(buffer, record);
            ++lines;
        };
        write(LogLevel::Info, "queued", "start",
            QStringLiteral("moving %1 in %2 snapshots").arg(formatBytes(total)).arg(random.bounded(40)), -1);
        const int progress = 20 + random.bounded(60);
        for (int i = 0; i < progress; ++i)
            write(LogLevel::Info, phases[i * 7 / progress], "phase",
                QStringLiteral("copied %1 chunks").arg(random.bounded(200)), total / progress * i);
        if (random.bounded(1000) == 0) {
            write(LogLevel::Error, "verifying", "failure",
                QStringLiteral("checksum mismatch in chunk %1; removing the copy from %2, the user stays on %3")
                    .arg(random.bounded(100000))
                    .arg(dst, src),
                -1);
            write(LogLevel::Info, "rolling-back", "summary",
                QStringLiteral("failed: user %1 stays on %2").arg(user, src), -1);
        } else {
            write(LogLevel::Info, "done", "summary",
                QStringLiteral("moved user %1 from %2 to %3: %4").arg(user, src, dst, formatBytes(total)), total);
        }
        ++job;
        if (buffer.size() >= (4 << 20)) {
            file.write(buffer);
            written += buffer.size();
            buffer.clear();
        }
    }
    file.write(buffer);
    return lines;
}

double shell(const QString& command)
{
    return timeCommand(QStringLiteral("sh"), { QStringLiteral("-c"), command });
}

QString quoted(const QString& path)
{
    return u'\'' + path + u'\'';
}

// Waits in an event loop until done() holds (checked on every signal and every 1 ms).
void waitUntil(const std::function<bool()>& done)
{
    QEventLoop loop;
    QTimer timer;
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    timer.start(1);
    if (!done())
        loop.exec();
}

double runQuery(LogDocument& document, const LogSearch& search, qint64* matches)
{
    LogQueryRunner runner(&document);
    bool finished = false;
    QObject::connect(&runner, &LogQueryRunner::finished, &runner, [&] { finished = true; });
    QElapsedTimer timer;
    timer.start();
    if (auto status = runner.setQuery({ {}, search }); !status)
        fail(status.message());
    waitUntil([&] { return finished; });
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    *matches = runner.matchCount();
    return seconds;
}

} // namespace

int runLogBenchmark(const Options& options)
{
    const QString root = options.workDir + QStringLiteral("/storage");
    QDir().mkpath(root);
    const QString path = root + QStringLiteral("/inSyncMigration.log");
    printHeader(QStringLiteral("poolkeeper-bench log: generating %1 in %2").arg(formatBytes(options.sizeBytes), path));
    const qint64 lines = generateLog(path, options.sizeBytes);
    const qint64 bytes = QFileInfo(path).size();
    std::printf("  log: %s, %lld lines (%.0f bytes per line); median of %d runs each, page cache warm\n",
        qPrintable(formatBytes(bytes)), static_cast<long long>(lines), double(bytes) / double(lines), options.repeats);
    shell(QStringLiteral("cat %1 > /dev/null").arg(quoted(path)));
    // Not /dev/null: GNU grep stops at the first match when its output goes there.
    const QString sink = quoted(options.workDir + QStringLiteral("/tool-output"));

    // Indexing.
    const double wcSeconds = medianSeconds(
        options.repeats, {}, [&] { shell(QStringLiteral("LC_ALL=C wc -l < %1 > %2").arg(quoted(path), sink)); });
    printRow(QStringLiteral("wc -l"), wcSeconds, bytes);
    LogDocumentStats stats;
    const double indexSeconds = medianSeconds(options.repeats, {}, [&] {
        LogDocument document({ { QStringLiteral("bench"), root } });
        document.indexAll();
        stats = document.stats();
    });
    if (stats.rows != lines)
        fail(QStringLiteral("the index found %1 lines, the generator wrote %2").arg(stats.rows).arg(lines));
    printRow(QStringLiteral("index (LogDocument)"), indexSeconds, bytes, wcSeconds, 2.0);
    std::printf("  index: %.3f bytes per line (target <= 4), %s for %lld lines\n",
        double(stats.lineIndexBytes) / double(stats.rows), qPrintable(formatBytes(stats.lineIndexBytes)),
        static_cast<long long>(stats.rows));

    // First screen: the background index announces its first rows; the first 100 are read and parsed.
    std::vector<double> firstScreens;
    double backgroundSeconds = 0;
    for (int run = 0; run < options.repeats; ++run) {
        QElapsedTimer timer;
        timer.start();
        LogDocument document({ { QStringLiteral("bench"), root } });
        document.start();
        waitUntil([&] { return document.rowCount() >= 100; });
        const QList<LogRow> screen = document.rows(0, 100);
        firstScreens.push_back(double(timer.nsecsElapsed()) / 1e6);
        if (screen.size() != 100 || !screen.last().logfmt)
            fail(QStringLiteral("the first screen is not there"));
        waitUntil([&] { return document.isFinished(); });
        backgroundSeconds = double(timer.nsecsElapsed()) / 1e9;
    }
    std::sort(firstScreens.begin(), firstScreens.end());
    std::printf(
        "  first screen (100 rows parsed) after %.1f ms (target < 500 ms); whole index in the background %.2f s\n",
        firstScreens.at(firstScreens.size() / 2), backgroundSeconds);

    // Search, on an indexed document, in the query worker.
    LogDocument document({ { QStringLiteral("bench"), root } });
    document.indexAll();
    struct Case
    {
        QString label;
        QString grep;
        LogSearch search;
    };
    const QList<Case> cases = {
        { QStringLiteral("fixed string"), QStringLiteral("LC_ALL=C grep -c -F '%1'").arg(QLatin1String(searchText)),
            { QString::fromLatin1(searchText), false, Qt::CaseSensitive } },
        { QStringLiteral("fixed string, any case"),
            QStringLiteral("LC_ALL=C grep -c -i -F '%1'").arg(QLatin1String(searchText)),
            { QString::fromLatin1(searchText).toUpper(), false, Qt::CaseInsensitive } },
        { QStringLiteral("regular expression"),
            QStringLiteral("LC_ALL=C grep -c -E '%1'").arg(QLatin1String(searchRegex)),
            { QString::fromLatin1(searchRegex), true, Qt::CaseSensitive } },
    };
    for (const Case& c : cases) {
        const double grepSeconds = medianSeconds(
            options.repeats, {}, [&] { shell(c.grep + u' ' + quoted(path) + QStringLiteral(" > ") + sink); });
        qint64 matches = 0;
        std::vector<double> times;
        times.reserve(std::size_t(options.repeats));
        for (int run = 0; run < options.repeats; ++run)
            times.push_back(runQuery(document, c.search, &matches));
        std::sort(times.begin(), times.end());
        printRow(QStringLiteral("grep -c (%1)").arg(c.label), grepSeconds, bytes);
        printRow(QStringLiteral("search (%1)").arg(c.label), times.at(times.size() / 2), bytes, grepSeconds, 2.0);
        std::printf("  %lld matching lines\n", static_cast<long long>(matches));
    }
    return 0;
}

namespace {
BenchmarkRegistration registration(QStringLiteral("log"), runLogBenchmark); // clazy:exclude=non-pod-global-static
} // namespace

} // namespace pk::bench
