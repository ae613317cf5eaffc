// LogDocument: one storage's rotated and compressed files read as one log, several storages merged
// by time against a reference merge (ties, lines without a time, out-of-order times, rotations),
// background indexing announcing rows in order, damaged and missing files, stale readers.

#include "archive/gzip.h"
#include "logs/logdocument.h"
#include "logs/mergedorder.h"
#include "logtestutil.h"
#include "util/sizes.h"

#include <QDir>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <limits>

using namespace pk;
using namespace pk::test;

namespace {

struct GeneratedStorage
{
    QString name;
    QString root;
    QList<QList<QByteArray>> files; // oldest first; the last one is inSyncMigration.log
};

void writeBytes(const QString& path, const QByteArray& data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(data), data.size());
}

QByteArray joined(const QList<QByteArray>& lines)
{
    QByteArray data;
    for (const QByteArray& line : lines)
        data += line + '\n';
    return data;
}

// Writes the files as rotation leaves them: .N.gz ... .2.gz, .1, current.
void writeStorage(const GeneratedStorage& storage)
{
    QVERIFY(QDir().mkpath(storage.root));
    const QString current = storage.root + QStringLiteral("/inSyncMigration.log");
    const qsizetype count = storage.files.size();
    for (qsizetype j = 0; j < count; ++j) {
        const qsizetype rotation = count - 1 - j;
        const QByteArray data = joined(storage.files.at(j));
        if (rotation == 0) {
            writeBytes(current, data);
        } else if (rotation == 1) {
            writeBytes(current + QStringLiteral(".1"), data);
        } else {
            const QString plain = storage.root + QStringLiteral("/plain.tmp");
            writeBytes(plain, data);
            QVERIFY(gzipFile(plain, current + QStringLiteral(".%1.gz").arg(rotation)));
            QVERIFY(QFile::remove(plain));
        }
    }
}

QList<QByteArray> generateLines(QRandomGenerator& random, qint64& time, int count, int storageIndex)
{
    QList<QByteArray> lines;
    for (int i = 0; i < count; ++i) {
        const int kind = random.bounded(20);
        if (kind == 0) {
            lines.append(QByteArray("    at continuation line ") + QByteArray::number(i)); // no time
            continue;
        }
        time += random.bounded(3); // often equal across storages
        qint64 stamp = time;
        if (kind == 1)
            stamp -= 50; // written late: out of order
        lines.append(
            Logfmt::format(engineRecord(stamp, LogLevel::Info, i % 7, QStringLiteral("u%1").arg(storageIndex),
                               QStringLiteral("phase"), QStringLiteral("line %1 of %2").arg(i).arg(storageIndex)))
                .chopped(1));
    }
    return lines;
}

struct Expected
{
    int source;
    QByteArray line;
};

// The merge the document must produce: a stable sort by (effective time, storage index), where a
// line's effective time is the greatest time seen so far in its storage's log.
QList<Expected> referenceMerge(const QList<GeneratedStorage>& storages)
{
    struct Keyed
    {
        qint64 time;
        int source;
        qsizetype index;
        QByteArray line;
    };
    std::vector<Keyed> all;
    for (int s = 0; s < storages.size(); ++s) {
        qint64 running = std::numeric_limits<qint64>::min();
        qsizetype index = 0;
        for (const auto& file : storages.at(s).files) {
            for (const QByteArray& line : file) {
                if (const auto time = leadingTimestamp(line); time && *time > running)
                    running = *time;
                all.push_back({ running, s, index++, line });
            }
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const Keyed& a, const Keyed& b) {
        return a.time != b.time ? a.time < b.time : a.source != b.source ? a.source < b.source : a.index < b.index;
    });
    QList<Expected> expected;
    for (const Keyed& keyed : all)
        expected.append({ keyed.source, keyed.line });
    return expected;
}

QList<LogSourceSpec> specsOf(const QList<GeneratedStorage>& storages)
{
    QList<LogSourceSpec> specs;
    for (const GeneratedStorage& storage : storages)
        specs.append({ storage.name, storage.root });
    return specs;
}

void compareWithReference(const LogDocument& document, const QList<Expected>& expected)
{
    QCOMPARE(document.indexedRowCount(), qint64(expected.size()));
    qint64 row = 0;
    bool ok = true;
    QString failure;
    (void)document.visitRows(0, document.indexedRowCount(), document.generation(), [&](const LogRowBlock& block) {
        for (qsizetype i = 0; i < block.lines.count && ok; ++i, ++row) {
            if (block.firstRow + i != row || block.source != expected.at(row).source
                || block.lines.line(i) != expected.at(row).line) {
                ok = false;
                failure = QStringLiteral("row %1: storage %2 '%3', expected storage %4 '%5'")
                              .arg(row)
                              .arg(block.source)
                              .arg(QString::fromUtf8(block.lines.line(i)))
                              .arg(expected.at(row).source)
                              .arg(QString::fromUtf8(expected.at(row).line));
            }
        }
        return ok;
    });
    QVERIFY2(ok, qPrintable(failure));
    QCOMPARE(row, qint64(expected.size()));
    // Random access agrees with the sequential pass.
    QRandomGenerator random(3);
    for (int n = 0; n < 200 && !expected.isEmpty(); ++n) {
        const qint64 r = random.bounded(int(expected.size()));
        QCOMPARE(document.rawLine(r), expected.at(r).line);
        QCOMPARE(document.locate(r).source, expected.at(r).source);
    }
}

} // namespace

class TestLogDocument : public QObject
{
    Q_OBJECT

private slots:
    void rotationsOfOneStorage();
    void mergeOrder_data();
    void mergeOrder();
    void mergedOrderLookup();
    void backgroundIndexing();
    void damagedAndMissingFiles();
    void staleReadersStop();
    void rowsCarryTheirStorage();
};

void TestLogDocument::rotationsOfOneStorage()
{
    // The real writer with a tiny rotation size: .5.gz ... .2.gz, .1 and the current file.
    QTemporaryDir dir;
    MigrationLog::Options options;
    options.rotateBytes = 8 * KiB;
    options.keep = 5;
    MigrationLog log(dir.path(), options);
    for (int i = 0; i < 300; ++i)
        QVERIFY(log.append(engineRecord(baseTimeMs + i, LogLevel::Info, i / 10, QStringLiteral("alice"),
            QStringLiteral("phase"), QStringLiteral("line %1").arg(i))));
    const QStringList files = MigrationLog::files(dir.path());
    QVERIFY(files.size() >= 4);
    QVERIFY(files.first().endsWith(QStringLiteral(".gz")));

    LogDocument document({ { QStringLiteral("store-a"), dir.path() } });
    QSignalSpy appended(&document, &LogDocument::rowsAppended);
    QVERIFY(document.indexAll());
    const QList<QByteArray> expected = naiveLogLines(dir.path());
    QCOMPARE(documentLines(document), expected);
    QCOMPARE(document.rowCount(), qint64(expected.size()));
    QVERIFY(!appended.isEmpty());
    QCOMPARE(appended.last().at(1).toLongLong(), qint64(expected.size() - 1));
    const LogDocumentStats stats = document.stats();
    QCOMPARE(stats.rows, qint64(expected.size()));
    QCOMPARE(stats.files, int(files.size()));
    QVERIFY(document.errors().isEmpty());
    // The oldest lines were dropped beyond keep; the rest are in order.
    const QByteArray& last = expected.last();
    QVERIFY(last.contains("msg=\"line 299\""));
}

void TestLogDocument::mergeOrder_data()
{
    QTest::addColumn<int>("storages");
    QTest::addColumn<int>("filesPerStorage");
    QTest::addColumn<int>("linesPerFile");
    QTest::addColumn<bool>("oneEmpty");
    QTest::newRow("two storages, one file each") << 2 << 1 << 3000 << false;
    QTest::newRow("three storages with rotations") << 3 << 4 << 1500 << false;
    QTest::newRow("five storages, one without a log") << 5 << 2 << 800 << true;
    QTest::newRow("large: blocks, windows and checkpoints") << 2 << 2 << 40000 << false;
}

void TestLogDocument::mergeOrder()
{
    QFETCH(int, storages);
    QFETCH(int, filesPerStorage);
    QFETCH(int, linesPerFile);
    QFETCH(bool, oneEmpty);
    QTemporaryDir dir;
    QRandomGenerator random(42);
    QList<GeneratedStorage> generated;
    for (int s = 0; s < storages; ++s) {
        GeneratedStorage storage;
        storage.name = QStringLiteral("store-%1").arg(s);
        storage.root = dir.filePath(storage.name);
        qint64 time = baseTimeMs + random.bounded(20);
        if (!(oneEmpty && s == 1)) {
            for (int f = 0; f < filesPerStorage; ++f)
                storage.files.append(generateLines(random, time, linesPerFile, s));
        }
        writeStorage(storage);
        generated.append(storage);
    }
    const QList<Expected> expected = referenceMerge(generated);
    LogDocument document(specsOf(generated));
    QVERIFY(document.indexAll());
    compareWithReference(document, expected);
    QVERIFY(document.errors().isEmpty());
    // About one byte per row for the order, on top of the lines' index (small files are
    // dominated by the first page of their index).
    const LogDocumentStats stats = document.stats();
    if (linesPerFile >= 10000)
        QVERIFY2(
            double(stats.lineIndexBytes) / double(stats.rows) < 5.0, qPrintable(QString::number(stats.lineIndexBytes)));
}

void TestLogDocument::mergedOrderLookup()
{
    MergedOrder order(3);
    QRandomGenerator random(5);
    QList<MergedOrder::Location> expected;
    qint64 counts[3] = {};
    for (int i = 0; i < 10000; ++i) {
        const int source = random.bounded(100) < 80 ? 0 : random.bounded(3);
        order.append(source);
        expected.append({ source, counts[source]++ });
    }
    for (qint64 row = 0; row < expected.size(); ++row) {
        const MergedOrder::Location location = order.at(row);
        QCOMPARE(location.source, expected.at(row).source);
        QCOMPARE(location.line, expected.at(row).line);
    }
    QCOMPARE(order.at(-1).source, -1);
    QCOMPARE(order.at(expected.size()).source, -1);
    const std::vector<qint64> before = order.countsBefore(5000);
    QCOMPARE(before[0] + before[1] + before[2], qint64(5000));
}

void TestLogDocument::backgroundIndexing()
{
    QTemporaryDir dir;
    QRandomGenerator random(8);
    QList<GeneratedStorage> generated;
    for (int s = 0; s < 2; ++s) {
        GeneratedStorage storage { QStringLiteral("node-%1").arg(s), dir.filePath(QStringLiteral("node-%1").arg(s)),
            {} };
        qint64 time = baseTimeMs;
        storage.files = { generateLines(random, time, 60000, s), generateLines(random, time, 60000, s) };
        writeStorage(storage);
        generated.append(storage);
    }
    LogDocument document(specsOf(generated));
    QSignalSpy appended(&document, &LogDocument::rowsAppended);
    QSignalSpy finished(&document, &LogDocument::indexingFinished);
    QSignalSpy progress(&document, &LogDocument::progressChanged);
    document.start();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.size(), 1);
    // Rows are announced in order without gaps, whatever the slices were.
    qint64 next = 0;
    for (const QList<QVariant>& arguments : std::as_const(appended)) {
        QCOMPARE(arguments.at(0).toLongLong(), next);
        QVERIFY(arguments.at(1).toLongLong() >= next);
        next = arguments.at(1).toLongLong() + 1;
    }
    QCOMPARE(next, qint64(240000));
    QCOMPARE(document.rowCount(), qint64(240000));
    QVERIFY(document.isFinished());
    const auto last = progress.last().at(0).value<LogIndexProgress>();
    QVERIFY(last.finished);
    QCOMPARE(last.bytesDone, last.bytesTotal);
    QVERIFY(last.bytesTotal > 0);
    compareWithReference(document, referenceMerge(generated));
}

void TestLogDocument::damagedAndMissingFiles()
{
    QTemporaryDir dir;
    QRandomGenerator random(9);
    GeneratedStorage storage { QStringLiteral("store-a"), dir.filePath(QStringLiteral("a")), {} };
    qint64 time = baseTimeMs;
    for (int f = 0; f < 3; ++f)
        storage.files.append(generateLines(random, time, 20000, 0));
    writeStorage(storage);
    // The oldest rotation (.2.gz) is cut in half.
    const QString damaged = storage.root + QStringLiteral("/inSyncMigration.log.2.gz");
    QFile file(damaged);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.resize(file.size() / 2));
    file.close();

    const QString missingRoot = dir.filePath(QStringLiteral("unmounted"));
    LogDocument document({ { storage.name, storage.root }, { QStringLiteral("store-b"), missingRoot } });
    QSignalSpy errors(&document, &LogDocument::errorOccurred);
    QVERIFY(document.indexAll());
    const QList<LogSourceError> list = document.errors();
    QCOMPARE(list.size(), 2);
    QCOMPARE(errors.size(), 2);
    QCOMPARE(list.at(0).path, damaged);
    QCOMPARE(list.at(0).storage, storage.name);
    QVERIFY(list.at(1).message.contains(QStringLiteral("not reachable")));
    // Everything before the damage, then the two intact files.
    const qint64 rows = document.indexedRowCount();
    QVERIFY(rows > 40000 && rows < 60000);
    const QList<QByteArray> lines = documentLines(document);
    QCOMPARE(lines.mid(0, 1000), storage.files.at(0).mid(0, 1000));
    QCOMPARE(lines.mid(lines.size() - 40000), storage.files.at(1) + storage.files.at(2));
}

void TestLogDocument::staleReadersStop()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    writeBytes(
        path, "ts=2026-11-24T10:15:02.123Z level=info msg=one\nts=2026-11-24T10:15:03.123Z level=info msg=two\n");
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    const quint64 generation = document.generation();
    QVERIFY(document.visitRows(0, 2, generation, [](const LogRowBlock&) { return true; }));
    QVERIFY(QFile::resize(path, 0));
    writeBytes(path, "ts=2026-11-24T10:16:00.000Z level=info msg=new\n");
    QSignalSpy reset(&document, &LogDocument::reset);
    QVERIFY(document.poll());
    QCOMPARE(reset.size(), 1);
    QVERIFY(document.generation() != generation);
    // A pass started before the reset ends instead of reading the new lines as old rows.
    QVERIFY(!document.visitRows(0, 2, generation, [](const LogRowBlock&) { return true; }));
    QVERIFY(document.indexAll());
    QCOMPARE(documentLines(document), QList<QByteArray> { "ts=2026-11-24T10:16:00.000Z level=info msg=new" });
}

void TestLogDocument::rowsCarryTheirStorage()
{
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("a"))));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("b"))));
    writeBytes(dir.filePath(QStringLiteral("a/inSyncMigration.log")),
        "ts=2026-11-24T10:15:01.000Z level=info job=1 user=alice msg=first\n"
        "ts=2026-11-24T10:15:03.000Z level=error job=1 user=alice msg=third\n");
    writeBytes(dir.filePath(QStringLiteral("b/inSyncMigration.log")),
        "ts=2026-11-24T10:15:02.000Z level=warn job=2 msg=second\n");
    LogDocument document({ { QStringLiteral("a"), dir.filePath(QStringLiteral("a")) },
        { QStringLiteral("b"), dir.filePath(QStringLiteral("b")) } });
    QVERIFY(document.indexAll());
    const QList<LogRow> rows = document.rows(0, 10);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows.at(0).message, QStringLiteral("first"));
    QCOMPARE(rows.at(1).storage, QStringLiteral("b"));
    QVERIFY(rows.at(1).level == LogLevel::Warn);
    QCOMPARE(rows.at(2).row, qint64(2));
    QCOMPARE(rows.at(2).storage, QStringLiteral("a"));
    QCOMPARE(document.row(1).message, QStringLiteral("second"));
    QCOMPARE(document.rows(QList<qint64> { 2, 0 }).size(), 2);
    QVERIFY(document.row(3).raw.isEmpty());
    QCOMPARE(document.row(3).row, qint64(-1));
}

QTEST_GUILESS_MAIN(TestLogDocument)
#include "tst_logdocument.moc"
