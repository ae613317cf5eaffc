// The log viewer's line index: the compact offset encoding (synthetic offsets far beyond 4 GiB,
// long lines, the 4-bytes-per-line bound), the newline scanner against a naive split whatever
// the block boundaries, and LogFile on real files: CRLF, no final newline, empty lines, a 10 MiB
// line, binary garbage, a growing last line, gzip rotations and a corrupt one.

#include "archive/gzip.h"
#include "logs/lineindex.h"
#include "logs/logfile.h"
#include "logtestutil.h"
#include "util/sizes.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;

namespace {

constexpr quint64 gibibyte = quint64(1) << 30; // unsigned: the rows hold quint64 offsets

std::vector<quint64> naiveStarts(const QByteArray& data)
{
    std::vector<quint64> starts;
    for (qsizetype i = 0; i < data.size(); ++i) {
        if (i == 0 || data.at(i - 1) == '\n')
            starts.push_back(quint64(i));
    }
    return starts;
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(file.errorString()));
    QCOMPARE(file.write(data), data.size());
}

void appendFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Append));
    QCOMPARE(file.write(data), data.size());
}

// Indexes everything there is now, with small reads to cross many block boundaries.
void indexToEnd(LogFile& file, qint64 readSize)
{
    for (int guard = 0; guard < 1000000; ++guard) {
        LogFileBatch batch = file.readMore(readSize);
        const bool end = batch.endOfData;
        file.commit(std::move(batch));
        if (end)
            return;
    }
    QFAIL("indexing did not end");
}

QList<QByteArray> readAll(const LogFile& file, qint64 blockBytes)
{
    QList<QByteArray> lines;
    const bool complete = file.readLines(
        0, file.lineCount(),
        [&](const LogLineBlock& block) {
            for (qsizetype i = 0; i < block.count; ++i)
                lines.append(block.line(i).toByteArray());
            return true;
        },
        blockBytes);
    if (!complete)
        lines.append("<stopped>");
    return lines;
}

QByteArray randomLog(quint32 seed, int lines, bool finalNewline)
{
    QRandomGenerator random(seed);
    QByteArray data;
    for (int i = 0; i < lines; ++i) {
        const int length = random.bounded(300);
        for (int c = 0; c < length; ++c)
            data += char('a' + random.bounded(26));
        if (random.bounded(10) == 0)
            data += '\r';
        data += '\n';
    }
    if (!finalNewline && !data.isEmpty())
        data.chop(1);
    return data;
}

// Lines like the engine writes: compress as real logs do.
QByteArray realisticLog(int lines)
{
    QByteArray data;
    for (int i = 0; i < lines; ++i)
        data += QStringLiteral("ts=2026-11-24T10:%1:%2.%3Z level=info job=%4 user=user-%5 src=store-a dst=store-c "
                               "phase=copying bytes=%6 total=52428800 msg=\"copied %7 chunks\"\n")
                    .arg(i / 60000 % 60, 2, 10, QLatin1Char('0'))
                    .arg(i / 1000 % 60, 2, 10, QLatin1Char('0'))
                    .arg(i % 1000, 3, 10, QLatin1Char('0'))
                    .arg(i / 500)
                    .arg(i % 37)
                    .arg(qint64(i) * 4096)
                    .arg(i % 13)
                    .toLatin1();
    return data;
}

QByteArray garbage(quint32 seed, qsizetype size)
{
    QRandomGenerator random(seed);
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char(random.bounded(256));
    return data;
}

} // namespace

class TestLineIndex : public QObject
{
    Q_OBJECT

private slots:
    void encoding_data();
    void encoding();
    void boundBeyond4GiB();
    void scanner_data();
    void scanner();
    void fileAgainstNaiveSplit_data();
    void fileAgainstNaiveSplit();
    void growingLastLine();
    void lineCutByAReadIsHidden();
    void truncationDetected();
    void rewriteDetected();
    void gzipRotation();
    void corruptGzip_data();
    void corruptGzip();
    void notAFile();
};

void TestLineIndex::encoding_data()
{
    QTest::addColumn<quint64>("start");
    QTest::addColumn<QList<quint64>>("gaps"); // cycled through
    QTest::addColumn<int>("lines");
    QTest::newRow("narrow: short lines") << quint64(0) << QList<quint64> { 1, 200, 87, 4000 } << 20000;
    QTest::newRow("narrow above 4 GiB") << 5 * gibibyte << QList<quint64> { 150, 151, 1 } << 20000;
    QTest::newRow("crossing 4 GiB") << 4 * gibibyte - 300000 << QList<quint64> { 97 } << 20000;
    QTest::newRow("wide: 1 MiB lines") << quint64(17) << QList<quint64> { 1 << 20 } << 3000;
    QTest::newRow("wide once in a block") << quint64(0) << QList<quint64> { 100, 100, 20 << 20, 100 } << 3000;
    QTest::newRow("huge: 5 GiB lines") << quint64(3) << QList<quint64> { 5 * gibibyte } << 200;
    QTest::newRow("narrow, wide, huge in one block")
        << 9 * gibibyte << QList<quint64> { 10, 17 << 20, 6 * gibibyte, 10, 10 } << 1000;
    QTest::newRow("wide then huge") << quint64(0) << QList<quint64> { 100 << 20, 100 << 20, 100 << 20, 3 * gibibyte }
                                    << 500;
    QTest::newRow("near the 62-bit limit") << (quint64(1) << 61) << QList<quint64> { 1 << 25, 1 } << 500;
}

void TestLineIndex::encoding()
{
    QFETCH(quint64, start);
    QFETCH(QList<quint64>, gaps);
    QFETCH(int, lines);
    std::vector<quint64> offsets;
    quint64 offset = start;
    for (int i = 0; i < lines; ++i) {
        offsets.push_back(offset);
        offset += gaps.at(i % gaps.size());
    }
    LineIndex index;
    // Half one by one, half in a batch: both paths.
    index.append(offsets.data(), qsizetype(offsets.size() / 2));
    for (std::size_t i = offsets.size() / 2; i < offsets.size(); ++i)
        index.append(offsets[i]);
    QCOMPARE(index.size(), qint64(lines));
    for (int i = 0; i < lines; ++i) {
        if (index.at(i) != offsets[std::size_t(i)])
            QFAIL(qPrintable(
                QStringLiteral("line %1: %2 instead of %3").arg(i).arg(index.at(i)).arg(offsets[std::size_t(i)])));
    }
    // Random access agrees too (no hidden sequential state).
    QRandomGenerator random(7);
    for (int n = 0; n < 1000; ++n) {
        const int i = random.bounded(lines);
        QCOMPARE(index.at(i), offsets[std::size_t(i)]);
    }
    // Decoding ranges, aligned or not to the blocks, gives the same offsets.
    std::vector<quint64> decoded(static_cast<std::size_t>(lines));
    index.decode(0, lines, decoded.data());
    QVERIFY(decoded == offsets);
    for (int n = 0; n < 200; ++n) {
        const int first = random.bounded(lines);
        const int count = random.bounded(lines - first + 1);
        std::vector<quint64> range(static_cast<std::size_t>(count));
        index.decode(first, count, range.data());
        QVERIFY(std::equal(range.begin(), range.end(), offsets.begin() + first));
    }
    index.clear();
    QCOMPARE(index.size(), qint64(0));
    QVERIFY(index.memoryBytes() < 64);
}

void TestLineIndex::boundBeyond4GiB()
{
    // A log of 200-byte lines that starts 6 GiB into its file, i.e. files larger than 4 GiB: the
    // 64-bit block bases carry the high bits, the lines still cost about 3.1 bytes.
    LineIndex index;
    const int lines = 1000000;
    quint64 offset = 6 * gibibyte;
    for (int i = 0; i < lines; ++i) {
        index.append(offset);
        offset += 180 + quint64(i % 40);
    }
    const double perLine = double(index.memoryBytes()) / lines;
    QVERIFY2(perLine <= 3.2, qPrintable(QString::number(perLine)));
    QCOMPARE(index.at(lines - 1), offset - 180 - quint64((lines - 1) % 40));
    QCOMPARE(index.at(0), 6 * gibibyte);

    // Lines of 1 KiB (a wide block every time would break the bound; it does not happen).
    LineIndex kib;
    for (int i = 0; i < 100000; ++i)
        kib.append(5 * gibibyte + quint64(i) * 1024);
    QVERIFY(double(kib.memoryBytes()) / 100000 <= 3.2);
}

void TestLineIndex::scanner_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("one newline") << QByteArray("\n");
    QTest::newRow("one character") << QByteArray("a");
    QTest::newRow("no final newline") << QByteArray("ab\ncd");
    QTest::newRow("empty lines") << QByteArray("\n\n\nx\n\n");
    QTest::newRow("crlf") << QByteArray("a\r\nb\r\n\r\n");
    QTest::newRow("newline at 63 and 64") << (QByteArray(63, 'x') + '\n' + '\n' + QByteArray(70, 'y'));
    QTest::newRow("random") << randomLog(1, 3000, false);
    QTest::newRow("garbage") << garbage(2, 100000);
}

void TestLineIndex::scanner()
{
    QFETCH(QByteArray, data);
    const std::vector<quint64> expected = naiveStarts(data);
    for (const qsizetype step :
        { qsizetype(1), qsizetype(5), qsizetype(64), qsizetype(65), qsizetype(4096), data.size() + 1 }) {
        LineScanner scanner;
        std::vector<quint64> starts;
        for (qsizetype at = 0; at < data.size(); at += step)
            scanner.feed(data.constData() + at, qMin(step, data.size() - at), starts);
        QCOMPARE(starts.size(), expected.size());
        QVERIFY(starts == expected);
        QCOMPARE(scanner.scanned(), quint64(data.size()));
        QCOMPARE(scanner.atLineStart(), data.isEmpty() || data.endsWith('\n'));
    }
}

void TestLineIndex::fileAgainstNaiveSplit_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("empty file") << QByteArray();
    QTest::newRow("only a newline") << QByteArray("\n");
    QTest::newRow("no final newline") << QByteArray("ts=1 level=info\nlast line");
    QTest::newRow("empty lines") << QByteArray("\n\na\n\n\nb\n\n");
    QTest::newRow("crlf") << QByteArray("one\r\ntwo\r\n\r\nthree\r\n");
    QTest::newRow("crlf without final newline") << QByteArray("one\r\ntwo\r");
    QTest::newRow("10 MiB line") << (QByteArray("before\n") + QByteArray(10 << 20, 'x') + "\nafter\n");
    QTest::newRow("random lines, final newline") << randomLog(3, 20000, true);
    QTest::newRow("random lines, no final newline") << randomLog(4, 20000, false);
    QTest::newRow("binary garbage") << garbage(5, 3 << 20);
}

void TestLineIndex::fileAgainstNaiveSplit()
{
    QFETCH(QByteArray, data);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    writeFile(path, data);
    const QList<QByteArray> expected = test::splitLines(data);
    for (const qint64 readSize : { qint64(64 * KiB), qint64(4) << 20 }) {
        auto file = LogFile::open(path, true);
        QVERIFY2(file, qPrintable(file.message()));
        indexToEnd(**file, readSize);
        QVERIFY((*file)->atEnd());
        QVERIFY(!(*file)->isComplete()); // live: it may grow
        QCOMPARE((*file)->lineCount(), qint64(expected.size()));
        QCOMPARE(readAll(**file, 4 << 20), expected);
        QCOMPARE(readAll(**file, 100), expected); // a block per line or so
        if (!expected.isEmpty()) {
            QCOMPARE((*file)->line(expected.size() - 1), expected.last());
            QCOMPARE((*file)->line(expected.size() / 2), expected.at(expected.size() / 2));
        }
        QVERIFY((*file)->line(expected.size()).isEmpty()); // past the end: nothing, no crash
        QVERIFY((*file)->error().isEmpty());
    }
}

void TestLineIndex::growingLastLine()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    writeFile(path, "first\nsec");
    auto file = LogFile::open(path, true);
    QVERIFY(file);
    indexToEnd(**file, 1 << 20);
    QCOMPARE(readAll(**file, 1 << 20), (QList<QByteArray> { "first", "sec" }));
    appendFile(path, "ond\r\nthird");
    QCOMPARE((*file)->checkForChange(), LogFile::Change::Grown);
    indexToEnd(**file, 1 << 20);
    QCOMPARE(readAll(**file, 1 << 20), (QList<QByteArray> { "first", "second", "third" }));
    appendFile(path, "\n");
    QCOMPARE((*file)->checkForChange(), LogFile::Change::Grown);
    indexToEnd(**file, 1 << 20);
    QCOMPARE(readAll(**file, 1 << 20), (QList<QByteArray> { "first", "second", "third" }));
    appendFile(path, "\nfifth\n");
    indexToEnd(**file, 1 << 20);
    QCOMPARE(readAll(**file, 1 << 20), (QList<QByteArray> { "first", "second", "third", "", "fifth" }));
    QCOMPARE((*file)->checkForChange(), LogFile::Change::None);
}

void TestLineIndex::lineCutByAReadIsHidden()
{
    // Until the rest of a line is read, readers (and the merge, which reads its time) must not
    // see its first half as a line.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    const QByteArray data = randomLog(12, 3000, true);
    writeFile(path, data);
    auto file = LogFile::open(path, false);
    QVERIFY(file);
    LogFileBatch batch = (*file)->readMore(64 * KiB);
    QVERIFY(!batch.endOfData);
    (*file)->commit(std::move(batch));
    const QList<QByteArray> all = test::splitLines(data);
    const QList<QByteArray> complete = test::splitLines(data.left(data.lastIndexOf('\n', 64 * KiB - 1) + 1));
    QCOMPARE((*file)->lineCount(), qint64(complete.size()));
    QCOMPARE(readAll(**file, 1 << 20), complete);
    indexToEnd(**file, 64 * KiB);
    QCOMPARE(readAll(**file, 1 << 20), all);
    QVERIFY((*file)->isComplete());
}

void TestLineIndex::truncationDetected()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    writeFile(path, randomLog(6, 1000, true));
    auto file = LogFile::open(path, true);
    QVERIFY(file);
    indexToEnd(**file, 1 << 20);
    const qint64 before = (*file)->lineCount();
    QVERIFY(QFile::resize(path, 100));
    // Reading lines that are gone gives what is left, never a crash.
    const QList<QByteArray> lines = readAll(**file, 1 << 20);
    QCOMPARE(lines.size(), before);
    QVERIFY(lines.last().isEmpty());
    QCOMPARE((*file)->checkForChange(), LogFile::Change::Truncated);
    (*file)->resetIndex();
    indexToEnd(**file, 1 << 20);
    QCOMPARE(readAll(**file, 1 << 20), test::splitLines(randomLog(6, 1000, true).left(100)));
}

void TestLineIndex::rewriteDetected()
{
    // Truncated and written again to a larger size between two checks: the head tells.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    writeFile(path, "ts=2026-01-01T00:00:00.000Z level=info msg=a\n");
    auto file = LogFile::open(path, true);
    QVERIFY(file);
    indexToEnd(**file, 1 << 20);
    QFile rewrite(path);
    QVERIFY(rewrite.open(QIODevice::ReadWrite)); // same inode, no O_TRUNC
    QVERIFY(
        rewrite.write("ts=2026-01-02T00:00:00.000Z level=info msg=b\nts=2026-01-02T00:00:01.000Z level=info msg=c\n")
        > 0);
    rewrite.close();
    QCOMPARE((*file)->checkForChange(), LogFile::Change::Truncated);
}

void TestLineIndex::gzipRotation()
{
    QTemporaryDir dir;
    const QString plain = dir.filePath(QStringLiteral("plain"));
    const QString packed = dir.filePath(QStringLiteral("inSyncMigration.log.2.gz"));
    // Over several 1 MiB chunks, with lines across chunk borders and a 3 MiB line.
    const QByteArray data = realisticLog(30000) + QByteArray(3 << 20, 'z') + "\n" + randomLog(8, 100, false);
    writeFile(plain, data);
    QVERIFY(gzipFile(plain, packed));
    auto file = LogFile::open(packed, true);
    QVERIFY2(file, qPrintable(file.message()));
    QVERIFY((*file)->isCompressed());
    QVERIFY(!(*file)->isLive()); // a compressed file never grows
    indexToEnd(**file, 1 << 20);
    QVERIFY((*file)->isComplete());
    QVERIFY2((*file)->error().isEmpty(), qPrintable((*file)->error()));
    const QList<QByteArray> expected = test::splitLines(data);
    QCOMPARE(readAll(**file, 4 << 20), expected);
    QCOMPARE(readAll(**file, 1000), expected);
    // Kept packed: far smaller than the decoded bytes.
    QVERIFY2((*file)->indexMemoryBytes() < data.size() / 2, qPrintable(QString::number((*file)->indexMemoryBytes())));
    QCOMPARE((*file)->progressBytes(), (*file)->fileSize());
}

void TestLineIndex::corruptGzip_data()
{
    QTest::addColumn<QString>("damage");
    QTest::newRow("truncated to half") << QStringLiteral("truncate");
    QTest::newRow("bytes flipped in the middle") << QStringLiteral("flip");
    QTest::newRow("only the header") << QStringLiteral("header");
    QTest::newRow("not gzip at all") << QStringLiteral("garbage");
}

void TestLineIndex::corruptGzip()
{
    QFETCH(QString, damage);
    QTemporaryDir dir;
    const QString plain = dir.filePath(QStringLiteral("plain"));
    const QString packed = dir.filePath(QStringLiteral("inSyncMigration.log.3.gz"));
    const QByteArray data = randomLog(9, 40000, true);
    writeFile(plain, data);
    QVERIFY(gzipFile(plain, packed));
    QFile file(packed);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QByteArray bytes = file.readAll();
    if (damage == QLatin1String("truncate")) {
        bytes.truncate(bytes.size() / 2);
    } else if (damage == QLatin1String("flip")) {
        for (qsizetype i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
            bytes[i] = char(~bytes.at(i));
    } else if (damage == QLatin1String("header")) {
        bytes.truncate(10);
    } else {
        bytes = garbage(10, 5000);
    }
    QVERIFY(file.resize(0));
    QVERIFY(file.seek(0));
    QCOMPARE(file.write(bytes), bytes.size());
    file.close();

    auto opened = LogFile::open(packed, false);
    if (!opened) {
        QVERIFY(!opened.message().isEmpty()); // refused with a reason: fine for a broken header
        QVERIFY(damage != QLatin1String("truncate") && damage != QLatin1String("flip"));
        return;
    }
    indexToEnd(**opened, 1 << 20);
    QVERIFY((*opened)->isComplete());
    QVERIFY2(!(*opened)->error().isEmpty(), "the damage is reported");
    const QList<QByteArray> lines = readAll(**opened, 1 << 20);
    const QList<QByteArray> expected = test::splitLines(data);
    if (damage == QLatin1String("truncate")) {
        QVERIFY(lines.size() <= expected.size());
        // A truncated gzip delivers a true prefix: every complete line, the last maybe cut.
        QVERIFY(lines.size() > expected.size() / 4);
        for (qsizetype i = 0; i + 1 < lines.size(); ++i)
            QCOMPARE(lines.at(i), expected.at(i));
        QVERIFY(expected.at(lines.size() - 1).startsWith(lines.last()));
    }
}

void TestLineIndex::notAFile()
{
    QTemporaryDir dir;
    auto missing = LogFile::open(dir.filePath(QStringLiteral("missing.log")), true);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    auto directory = LogFile::open(dir.path(), true);
    QVERIFY(!directory);
    QVERIFY(directory.message().contains(QStringLiteral("not a regular file")));
}

QTEST_GUILESS_MAIN(TestLineIndex)
#include "tst_lineindex.moc"
