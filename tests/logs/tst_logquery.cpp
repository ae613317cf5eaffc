// Filters and search over a LogDocument, against references computed line by line: the block
// matchers (memmem, ASCII folding, Unicode, regular expressions on whole blocks), the runner in its
// worker thread (results, next/previous match, stale generations, following), and the job
// timeline with the outcomes the engine writes.

#include "logs/jobtimeline.h"
#include "logs/logdocument.h"
#include "logs/logquery.h"
#include "logtestutil.h"

#include <QDir>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <limits>
#include <memory>

using namespace pk;
using namespace pk::test;

namespace {

const QStringList users { // clazy:exclude=non-pod-global-static
    QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("Zoë"), QStringLiteral("Łukasz")
};
const QStringList messages { // clazy:exclude=non-pod-global-static
    QStringLiteral("copied 12 chunks"), QStringLiteral("failed: checksum mismatch in chunk"),
    QStringLiteral("waiting for a running backup"), QStringLiteral("ConfigDb now places the user on store-b"),
    QStringLiteral("ÉTÉ résumé with accents"), QStringLiteral("Verified 3 SNAPSHOTS")
};

// A storage's log with everything a real one may hold: engine lines of several jobs and levels,
// lines without a time, free text, CRLF line ends, non-ASCII users.
QByteArray mixedLog(quint32 seed, int lines)
{
    QRandomGenerator random(seed);
    QByteArray data;
    qint64 time = baseTimeMs;
    for (int i = 0; i < lines; ++i) {
        time += random.bounded(1000);
        const int kind = random.bounded(100);
        if (kind < 4) {
            data += "Traceback (most recent call last): frame " + QByteArray::number(i) + '\n';
            continue;
        }
        if (kind < 6) {
            data += "level=info msg=\"no time on this line " + QByteArray::number(i) + "\"\n";
            continue;
        }
        const int levelPick = random.bounded(13);
        const LogLevel level = levelPick == 0 ? LogLevel::Error
            : levelPick < 3                   ? LogLevel::Warn
            : levelPick == 3                  ? LogLevel::Debug
                                              : LogLevel::Info;
        QByteArray line
            = Logfmt::format(engineRecord(time, level, random.bounded(10), users.at(random.bounded(users.size())),
                QStringLiteral("phase"), messages.at(random.bounded(messages.size()))));
        if (kind < 10)
            line.insert(line.size() - 1, '\r');
        data += line;
    }
    return data;
}

void writeLog(const QString& root, const QByteArray& data)
{
    QVERIFY(QDir().mkpath(root));
    QFile file(root + QStringLiteral("/inSyncMigration.log"));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(data), data.size());
}

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<LogDocument> document;

    explicit Fixture(int lines = 6000)
    {
        writeLog(dir.filePath(QStringLiteral("a")), mixedLog(1, lines));
        writeLog(dir.filePath(QStringLiteral("b")), mixedLog(2, lines / 2));
        document = std::make_unique<LogDocument>(
            QList<LogSourceSpec> { { QStringLiteral("a"), dir.filePath(QStringLiteral("a")) },
                { QStringLiteral("b"), dir.filePath(QStringLiteral("b")) } });
        (void)document->indexAll();
    }
};

struct Line
{
    qint64 row;
    int source;
    QByteArray bytes;
};

QList<Line> allLines(const LogDocument& document)
{
    QList<Line> lines;
    (void)document.visitRows(0, document.indexedRowCount(), 0, [&](const LogRowBlock& block) {
        for (qsizetype i = 0; i < block.lines.count; ++i)
            lines.append({ block.firstRow + i, block.source, block.lines.line(i).toByteArray() });
        return true;
    });
    return lines;
}

bool referenceSearch(const LogSearch& search, const QByteArray& line)
{
    const QString text = QString::fromUtf8(line);
    if (search.regularExpression) {
        QRegularExpression::PatternOptions options = QRegularExpression::MultilineOption;
        if (search.caseSensitivity == Qt::CaseInsensitive)
            options |= QRegularExpression::CaseInsensitiveOption;
        return QRegularExpression(search.pattern, options).match(text).hasMatch();
    }
    return text.contains(search.pattern, search.caseSensitivity);
}

QList<quint32> referenceFilter(
    const LogDocument& document, const LogFilter& filter, const LogSearch& search, bool wantMatches)
{
    QList<quint32> rows;
    std::vector<std::optional<qint64>> lastTime(std::size_t(document.sourceCount()));
    for (const Line& line : allLines(document)) {
        LogRow row = LogRow::parse(line.bytes);
        if (const auto time = leadingTimestamp(line.bytes))
            lastTime[std::size_t(line.source)] = time;
        const std::optional<qint64> time = lastTime[std::size_t(line.source)];
        bool pass = true;
        if (!filter.storages.isEmpty() && !filter.storages.contains(document.storages().at(line.source)))
            pass = false;
        if (filter.minLevel && row.level.value_or(LogLevel::Info) < *filter.minLevel)
            pass = false;
        if (filter.job && row.job != filter.job)
            pass = false;
        if (!filter.user.isEmpty() && row.user != filter.user)
            pass = false;
        if ((filter.fromMs || filter.toMs)
            && (!time || (filter.fromMs && *time < *filter.fromMs) || (filter.toMs && *time > *filter.toMs)))
            pass = false;
        if (pass && wantMatches && !referenceSearch(search, line.bytes))
            pass = false;
        if (pass)
            rows.append(quint32(line.row));
    }
    return rows;
}

QList<quint32> referenceMatches(const LogDocument& document, const LogSearch& search)
{
    QList<quint32> rows;
    for (const Line& line : allLines(document)) {
        if (referenceSearch(search, line.bytes))
            rows.append(quint32(line.row));
    }
    return rows;
}

} // namespace

class TestLogQuery : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void matchers_data();
    void matchers();
    void asciiBlocks_data();
    void asciiBlocks();
    void filters_data();
    void filters();
    void searchNavigation();
    void staleGenerationsDropped();
    void badRegularExpression();
    void followedRowsAreFiltered();
    void highlights();
    void timelineOutcomes();
    void timelineRunner();

private:
    std::unique_ptr<Fixture> m_fixture;
};

void TestLogQuery::initTestCase()
{
    m_fixture = std::make_unique<Fixture>();
    QVERIFY(m_fixture->document->indexedRowCount() > 8000);
}

void TestLogQuery::cleanupTestCase()
{
    m_fixture.reset();
}

void TestLogQuery::matchers_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<bool>("regex");
    QTest::addColumn<bool>("caseSensitive");
    QTest::newRow("text") << "checksum" << false << true;
    QTest::newRow("text, case differs") << "SNAPSHOTS" << false << true;
    QTest::newRow("text folded") << "snapshots" << false << false;
    QTest::newRow("text folded, anchor is a capital") << "configdb NOW" << false << false;
    QTest::newRow("key and value") << "job=3 " << false << true;
    QTest::newRow("one character") << "Z" << false << true;
    QTest::newRow("non-ASCII exact") << "Zoë" << false << true;
    QTest::newRow("non-ASCII folded") << "été RÉSUMÉ" << false << false;
    QTest::newRow("never") << "no such text anywhere" << false << false;
    QTest::newRow("regex") << "job=[0-3] user=(alice|bob)" << true << true;
    QTest::newRow("regex folded") << "VERIFIED \\d+" << true << false;
    QTest::newRow("regex anchored") << "^Traceback" << true << true;
    QTest::newRow("regex end anchor") << "chunk\"$" << true << true;
    QTest::newRow("regex across a line end never matches") << "frame \\d+\\s+ts=" << true << true;
    QTest::newRow("regex empty match") << "x*" << true << true;
    QTest::newRow("regex non-ASCII") << "Łuk\\w+" << true << false;
}

void TestLogQuery::matchers()
{
    QFETCH(QString, pattern);
    QFETCH(bool, regex);
    QFETCH(bool, caseSensitive);
    LogSearch search { pattern, regex, caseSensitive ? Qt::CaseSensitive : Qt::CaseInsensitive };
    auto matcher = LogSearchMatcher::compile(search);
    QVERIFY2(matcher, qPrintable(matcher.message()));
    const LogDocument& document = *m_fixture->document;
    QList<quint32> blockHits;
    QList<quint32> lineHits;
    std::vector<qsizetype> hits;
    (void)document.visitRows(0, document.indexedRowCount(), 0, [&](const LogRowBlock& block) {
        hits.clear();
        matcher->matchBlock(block.lines, hits);
        for (const qsizetype i : hits)
            blockHits.append(quint32(block.firstRow + i));
        for (qsizetype i = 0; i < block.lines.count; ++i) {
            if (matcher->matches(block.lines.line(i)))
                lineHits.append(quint32(block.firstRow + i));
        }
        return true;
    });
    const QList<quint32> expected = referenceMatches(document, search);
    QCOMPARE(lineHits, expected);
    QCOMPARE(blockHits, expected);
    if (QByteArray(QTest::currentDataTag()) == "never" || QByteArray(QTest::currentDataTag()).contains("never matches"))
        QVERIFY(expected.isEmpty());
    else
        QVERIFY(!expected.isEmpty());
}

void TestLogQuery::asciiBlocks_data()
{
    // A block of ASCII lines without '\r' is searched as one text: the fast path of both the
    // text search and the regular expressions.
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<bool>("regex");
    QTest::addColumn<bool>("caseSensitive");
    QTest::newRow("text") << "job=3 " << false << true;
    QTest::newRow("text folded") << "STORE-B" << false << false;
    QTest::newRow("regex") << "user=(alice|bob) src" << true << true;
    QTest::newRow("regex start of line") << "^ts=\\S+ level=warn" << true << true;
    QTest::newRow("regex end of line") << "chunks\"$" << true << true;
    QTest::newRow("regex spanning lines") << "chunks\"\\s+ts=" << true << true;
    QTest::newRow("regex greedy, spanning lines only") << "job=1.*job=2" << true << true;
    QTest::newRow("regex class spanning lines only") << "mismatch[^x]{3,}level" << true << true;
    QTest::newRow("regex empty match") << "q*" << true << true;
    QTest::newRow("regex folded") << "LEVEL=ERROR.*JOB=[5-9]" << true << false;
}

void TestLogQuery::asciiBlocks()
{
    QFETCH(QString, pattern);
    QFETCH(bool, regex);
    QFETCH(bool, caseSensitive);
    QRandomGenerator random(4);
    QByteArray data;
    std::vector<LogLineSpan> spans;
    QList<QByteArray> lines;
    for (int i = 0; i < 3000; ++i) {
        const QByteArray line
            = Logfmt::format(engineRecord(baseTimeMs + i, LogLevel(random.bounded(4)), random.bounded(10),
                                 random.bounded(2) ? QStringLiteral("alice") : QStringLiteral("bob"),
                                 QStringLiteral("phase"), messages.at(random.bounded(4))))
                  .chopped(1);
        spans.push_back({ quint32(data.size()), quint32(data.size() + line.size()) });
        data += line + '\n';
        lines.append(line);
    }
    LogLineBlock block;
    block.data = data;
    block.spans = spans.data();
    block.count = qsizetype(spans.size());
    const LogSearch search { pattern, regex, caseSensitive ? Qt::CaseSensitive : Qt::CaseInsensitive };
    auto matcher = LogSearchMatcher::compile(search);
    QVERIFY2(matcher, qPrintable(matcher.message()));
    std::vector<qsizetype> hits;
    matcher->matchBlock(block, hits);
    QList<qsizetype> expected;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (referenceSearch(search, lines.at(i)))
            expected.append(i);
    }
    QCOMPARE(QList<qsizetype>(hits.begin(), hits.end()), expected);
    if (QByteArray(QTest::currentDataTag()).contains("spanning"))
        QVERIFY(expected.isEmpty());
    else
        QVERIFY(!expected.isEmpty());
}

void TestLogQuery::filters_data()
{
    QTest::addColumn<LogQuery>("query");
    const qint64 middle = baseTimeMs + 1000LL * 1500;
    LogQuery q;
    q.filter.minLevel = LogLevel::Warn;
    QTest::newRow("warn and above") << q;
    q = {};
    q.filter.minLevel = LogLevel::Error;
    QTest::newRow("errors only") << q;
    q = {};
    q.filter.job = 3;
    QTest::newRow("job 3") << q;
    q = {};
    q.filter.user = QStringLiteral("Zoë");
    QTest::newRow("user with an accent") << q;
    q = {};
    q.filter.storages = { QStringLiteral("b") };
    QTest::newRow("storage b") << q;
    q = {};
    q.filter.fromMs = middle;
    q.filter.toMs = middle + 600000;
    QTest::newRow("ten minutes") << q;
    q = {};
    q.filter.job = 4;
    q.filter.minLevel = LogLevel::Warn;
    q.filter.storages = { QStringLiteral("a") };
    QTest::newRow("job, level and storage") << q;
    q = {};
    q.filter.job = 2;
    q.search = { QStringLiteral("checksum"), false, Qt::CaseInsensitive };
    QTest::newRow("job 2 and a search") << q;
    q = {};
    q.search = { QStringLiteral("user=(alice|Zoë)"), true, Qt::CaseSensitive };
    QTest::newRow("search only") << q;
}

void TestLogQuery::filters()
{
    QFETCH(LogQuery, query);
    LogDocument& document = *m_fixture->document;
    LogQueryRunner runner(&document);
    QSignalSpy finished(&runner, &LogQueryRunner::finished);
    QVERIFY(runner.setQuery(query));
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.last().at(0).toULongLong(), runner.generation());
    QVERIFY(!runner.isRunning());
    QCOMPARE(runner.scannedRows(), document.rowCount());
    if (!query.filter.isEmpty()) {
        const QList<quint32> expected = referenceFilter(document, query.filter, query.search, false);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(runner.rows(), expected);
        QVERIFY(qint64(expected.size()) < document.rowCount());
    }
    if (!query.search.isEmpty()) {
        const QList<quint32> expected = referenceFilter(document, query.filter, query.search, true);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(runner.matches(), expected);
        QCOMPARE(runner.matchCount(), qint64(expected.size()));
    }
}

void TestLogQuery::searchNavigation()
{
    LogDocument& document = *m_fixture->document;
    LogQueryRunner runner(&document);
    QSignalSpy finished(&runner, &LogQueryRunner::finished);
    QVERIFY(runner.setQuery({ {}, { QStringLiteral("Traceback"), false, Qt::CaseSensitive } }));
    QVERIFY(finished.wait(30000));
    const QList<quint32> matches = runner.matches();
    QVERIFY(matches.size() > 10);
    QCOMPARE(runner.nextMatch(-1), qint64(matches.first()));
    QCOMPARE(runner.nextMatch(matches.at(3)), qint64(matches.at(4)));
    QCOMPARE(runner.nextMatch(matches.at(3) + 1), qint64(matches.at(4)));
    QCOMPARE(runner.previousMatch(matches.at(4)), qint64(matches.at(3)));
    QCOMPARE(runner.nextMatch(matches.last()), qint64(matches.first())); // wraps
    QCOMPARE(runner.nextMatch(matches.last(), false), qint64(-1));
    QCOMPARE(runner.previousMatch(matches.first()), qint64(matches.last()));
    QCOMPARE(runner.previousMatch(matches.first(), false), qint64(-1));
    QVERIFY(runner.isMatch(matches.at(5)));
    QVERIFY(!runner.isMatch(matches.at(5) + 1) || matches.at(6) == matches.at(5) + 1);
    QCOMPARE(runner.rows().size(), 0); // no filter: every row shows
}

void TestLogQuery::staleGenerationsDropped()
{
    LogDocument& document = *m_fixture->document;
    LogQueryRunner runner(&document);
    QSignalSpy finished(&runner, &LogQueryRunner::finished);
    QSignalSpy restarted(&runner, &LogQueryRunner::restarted);
    LogQuery first;
    first.filter.minLevel = LogLevel::Debug; // every line passes: the longest pass
    LogQuery second;
    second.filter.job = 7;
    QVERIFY(runner.setQuery(first));
    QVERIFY(runner.setQuery(second));
    QCOMPARE(restarted.size(), 2);
    QVERIFY(finished.wait(30000));
    // Whatever the first pass delivered was dropped: only job 7 is there.
    QCOMPARE(finished.last().at(0).toULongLong(), runner.generation());
    // One worker thread runs the passes in order and queues their deliveries in order, so anything
    // the first pass sent arrived before the second pass's "finished": nothing late can come.
    QCOMPARE(runner.rows(), referenceFilter(document, second.filter, {}, false));
}

void TestLogQuery::badRegularExpression()
{
    LogDocument& document = *m_fixture->document;
    LogQueryRunner runner(&document);
    QVERIFY(runner.setQuery({ {}, { QStringLiteral("copied"), false, Qt::CaseSensitive } }));
    const quint64 generation = runner.generation();
    const Status status = runner.setQuery({ {}, { QStringLiteral("([unclosed"), true, Qt::CaseSensitive } });
    QVERIFY(!status);
    QCOMPARE(status.error().code, ErrorCode::Usage);
    QVERIFY(status.message().contains(QStringLiteral("([unclosed")));
    QCOMPARE(runner.generation(), generation);
    QCOMPARE(runner.query().search.pattern, QStringLiteral("copied"));
}

void TestLogQuery::followedRowsAreFiltered()
{
    QTemporaryDir dir;
    MigrationLog log(dir.path());
    for (int i = 0; i < 50; ++i)
        QVERIFY(log.append(engineRecord(baseTimeMs + i, LogLevel::Info, i % 5, QStringLiteral("alice"),
            QStringLiteral("phase"), QStringLiteral("m"))));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QSignalSpy indexed(&document, &LogDocument::indexingFinished);
    document.setFollowing(true);
    document.start();
    QVERIFY(indexed.wait(20000));
    LogQueryRunner runner(&document);
    LogQuery query;
    query.filter.job = 3;
    QVERIFY(runner.setQuery(query));
    QTRY_COMPARE_WITH_TIMEOUT(runner.rows().size(), 10, 20000);
    for (int i = 50; i < 100; ++i)
        QVERIFY(log.append(engineRecord(baseTimeMs + i, LogLevel::Info, i % 5, QStringLiteral("alice"),
            QStringLiteral("phase"), QStringLiteral("m"))));
    QTRY_COMPARE_WITH_TIMEOUT(runner.rows().size(), 20, 20000);
    QCOMPARE(runner.rows().last(), quint32(98));
}

void TestLogQuery::highlights()
{
    auto text = LogSearchMatcher::compile({ QStringLiteral("ab"), false, Qt::CaseInsensitive });
    QVERIFY(text);
    const auto ranges = text->highlights(u"xxAByyab");
    QCOMPARE(ranges.size(), 2);
    QCOMPARE(ranges.at(0), (std::pair<qsizetype, qsizetype>(2, 2)));
    QCOMPARE(ranges.at(1), (std::pair<qsizetype, qsizetype>(6, 2)));
    auto regex = LogSearchMatcher::compile({ QStringLiteral("\\d+"), true, Qt::CaseSensitive });
    QVERIFY(regex);
    const auto numbers = regex->highlights(u"job=42 bytes=1048576");
    QCOMPARE(numbers.size(), 2);
    QCOMPARE(numbers.at(1), (std::pair<qsizetype, qsizetype>(13, 7)));
    QVERIFY(LogSearchMatcher().highlights(u"anything").isEmpty());
}

void TestLogQuery::timelineOutcomes()
{
    // What MigrationJob writes, on the source and the destination of each job.
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("a"))));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("b"))));
    MigrationLog a(dir.filePath(QStringLiteral("a")));
    MigrationLog b(dir.filePath(QStringLiteral("b")));
    qint64 t = baseTimeMs;
    auto both = [&](LogLevel level, qint64 job, const QString& user, const QString& event, const QString& message) {
        const LogRecord record = engineRecord(t += 1000, level, job, user, event, message);
        QVERIFY(a.append(record));
        QVERIFY(b.append(record));
    };
    both(LogLevel::Info, 1, QStringLiteral("alice"), QStringLiteral("start"),
        QStringLiteral("moving 5 MiB in 2 snapshots"));
    both(LogLevel::Info, 1, QStringLiteral("alice"), QStringLiteral("phase"), QStringLiteral("entering copying"));
    both(LogLevel::Info, 2, QStringLiteral("bob"), QStringLiteral("start"),
        QStringLiteral("moving 1 GiB in 9 snapshots"));
    both(LogLevel::Info, 1, QStringLiteral("alice"), QStringLiteral("summary"),
        QStringLiteral("moved user alice from store-a to store-b: 5 MiB in 2.0 s (2 MiB/s)"));
    both(LogLevel::Error, 2, QStringLiteral("bob"), QStringLiteral("failure"),
        QStringLiteral("hash mismatch; removing the copy from store-b, the user stays on store-a"));
    both(LogLevel::Info, 2, QStringLiteral("bob"), QStringLiteral("summary"),
        QStringLiteral("failed: user bob stays on store-a"));
    both(LogLevel::Info, 3, QStringLiteral("carol"), QStringLiteral("start"), QStringLiteral("moving"));
    both(LogLevel::Warn, 3, QStringLiteral("carol"), QStringLiteral("failure"),
        QStringLiteral("cancelled by the operator; removing the copy"));
    both(LogLevel::Info, 3, QStringLiteral("carol"), QStringLiteral("summary"),
        QStringLiteral("cancelled: user carol stays on store-a"));
    both(LogLevel::Info, 4, QStringLiteral("dave"), QStringLiteral("start"), QStringLiteral("moving"));
    both(LogLevel::Info, 5, QStringLiteral("erin"), QStringLiteral("start"), QStringLiteral("moving"));
    both(LogLevel::Info, 5, QStringLiteral("erin"), QStringLiteral("stopped"),
        QStringLiteral("the engine stopped; the job resumes at the next start"));
    both(LogLevel::Info, 5, QStringLiteral("erin"), QStringLiteral("start"), QStringLiteral("resuming the move"));
    both(LogLevel::Info, 5, QStringLiteral("erin"), QStringLiteral("summary"),
        QStringLiteral("moved user erin from store-a to store-b"));
    both(LogLevel::Error, 6, QStringLiteral("frank"), QStringLiteral("phase"),
        QStringLiteral("the destination cannot be reached"));

    LogDocument document({ { QStringLiteral("a"), dir.filePath(QStringLiteral("a")) },
        { QStringLiteral("b"), dir.filePath(QStringLiteral("b")) } });
    QVERIFY(document.indexAll());
    JobTimelineBuilder builder(document.storages());
    (void)document.visitRows(0, document.rowCount(), 0, [&](const LogRowBlock& block) {
        for (qsizetype i = 0; i < block.lines.count; ++i)
            builder.addLine(block.firstRow + i, block.source, block.lines.line(i));
        return true;
    });
    const QList<JobSpan> spans = builder.spans();
    QCOMPARE(spans.size(), 6);
    QHash<qint64, JobSpan> byJob;
    for (const JobSpan& span : spans)
        byJob.insert(span.job, span);
    QCOMPARE(toString(byJob.value(1).outcome), QStringLiteral("done"));
    QCOMPARE(toString(byJob.value(2).outcome), QStringLiteral("failed"));
    QCOMPARE(toString(byJob.value(3).outcome), QStringLiteral("cancelled"));
    QCOMPARE(toString(byJob.value(4).outcome), QStringLiteral("unknown"));
    QCOMPARE(toString(byJob.value(5).outcome), QStringLiteral("done"));
    QCOMPARE(toString(byJob.value(6).outcome), QStringLiteral("failed"));
    const JobSpan& first = byJob.value(1);
    QCOMPARE(first.user, QStringLiteral("alice"));
    QCOMPARE(first.storages, (QStringList { QStringLiteral("a"), QStringLiteral("b") }));
    QCOMPARE(first.lines, qint64(6)); // three lines, in both logs
    QCOMPARE(first.firstMs, baseTimeMs + 1000);
    QCOMPARE(first.lastMs, baseTimeMs + 4000);
    QCOMPARE(first.durationMs(), qint64(3000));
    QCOMPARE(first.firstRow, qint64(0));
    QVERIFY(byJob.value(2).outcomeMessage.startsWith(QStringLiteral("failed:")));
    QCOMPARE(byJob.value(2).errors, qint64(2));
    QCOMPARE(byJob.value(3).warnings, qint64(2));
    QCOMPARE(spans.first().job, qint64(1)); // ordered by first time
    QCOMPARE(spans.last().job, qint64(6));
    QCOMPARE(toString(LogJobOutcome::Cancelled), QStringLiteral("cancelled"));
}

void TestLogQuery::timelineRunner()
{
    LogDocument& document = *m_fixture->document;
    JobTimelineRunner runner(&document);
    QSignalSpy finished(&runner, &JobTimelineRunner::finished);
    QVERIFY(finished.wait(30000));
    JobTimelineBuilder builder(document.storages());
    (void)document.visitRows(0, document.rowCount(), 0, [&](const LogRowBlock& block) {
        for (qsizetype i = 0; i < block.lines.count; ++i)
            builder.addLine(block.firstRow + i, block.source, block.lines.line(i));
        return true;
    });
    QCOMPARE(runner.jobs().size(), 10);
    QCOMPARE(runner.jobs(), builder.spans());
    QCOMPARE(runner.scannedRows(), document.rowCount());
}

QTEST_GUILESS_MAIN(TestLogQuery)
#include "tst_logquery.moc"
