// Following a live migration log: appended lines, rotation by the real writer (once, and twice
// between two checks), truncation and rewriting in place, removal, a log that appears later,
// and the same in the background with the worker thread's signals.

#include "archive/gzip.h"
#include "logs/logdocument.h"
#include "logtestutil.h"

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

namespace {

LogRecord numbered(int i)
{
    return engineRecord(baseTimeMs + i, LogLevel::Info, i / 20, QStringLiteral("alice"), QStringLiteral("phase"),
        QStringLiteral("line %1 with some words to fill the log").arg(i));
}

QByteArray lineOf(int i)
{
    return Logfmt::format(numbered(i)).chopped(1);
}

QList<QByteArray> linesOf(int first, int last)
{
    QList<QByteArray> lines;
    for (int i = first; i <= last; ++i)
        lines.append(lineOf(i));
    return lines;
}

void syncIndex(LogDocument& document)
{
    (void)document.poll();
    QVERIFY(document.indexAll());
}

} // namespace

class TestLogFollow : public QObject
{
    Q_OBJECT

private slots:
    void appended();
    void rotation();
    void twoRotationsBetweenChecks();
    void checkDuringRotation();
    void truncation_data();
    void truncation();
    void removedWhileOpen();
    void logAppearsLater();
    void backgroundFollow();
    void mergedFollow();
};

void TestLogFollow::appended()
{
    QTemporaryDir dir;
    MigrationLog log(dir.path());
    for (int i = 0; i < 10; ++i)
        QVERIFY(log.append(numbered(i)));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    QCOMPARE(document.rowCount(), qint64(10));
    QVERIFY(!document.poll()); // nothing new
    QSignalSpy appendedSpy(&document, &LogDocument::rowsAppended);
    for (int i = 10; i < 15; ++i)
        QVERIFY(log.append(numbered(i)));
    QVERIFY(document.poll());
    QVERIFY(document.indexAll());
    QCOMPARE(documentLines(document), linesOf(0, 14));
    QCOMPARE(appendedSpy.size(), 1);
    QCOMPARE(appendedSpy.first().at(0).toLongLong(), qint64(10));
    QCOMPARE(appendedSpy.first().at(1).toLongLong(), qint64(14));
}

void TestLogFollow::rotation()
{
    QTemporaryDir dir;
    MigrationLog::Options options;
    options.rotateBytes = 3000;
    options.keep = 3;
    MigrationLog log(dir.path(), options);
    for (int i = 0; i < 40; ++i)
        QVERIFY(log.append(numbered(i)));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    const QList<QByteArray> atOpen = naiveLogLines(dir.path());
    QCOMPARE(documentLines(document), atOpen);
    // Many rotations while following, one check every few lines. Files beyond keep are deleted
    // by the writer, yet every line written since the open stays readable (descriptors held).
    for (int i = 40; i < 400; ++i) {
        QVERIFY(log.append(numbered(i)));
        if (i % 7 == 0)
            syncIndex(document);
    }
    syncIndex(document);
    QCOMPARE(documentLines(document), atOpen + linesOf(40, 399));
    QVERIFY(document.errors().isEmpty());
    QVERIFY(document.generation() == 1); // rotation never takes rows back
}

void TestLogFollow::twoRotationsBetweenChecks()
{
    QTemporaryDir dir;
    MigrationLog::Options options;
    options.rotateBytes = 2000;
    options.keep = 4;
    MigrationLog log(dir.path(), options);
    for (int i = 0; i < 5; ++i)
        QVERIFY(log.append(numbered(i)));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    // current -> .1, then .1 -> .2.gz and the next current -> .1, then a third current.
    int i = 5;
    for (int rotations = 0; rotations < 2; ++i) {
        const QString current = dir.filePath(QStringLiteral("inSyncMigration.log"));
        const qint64 before = QFileInfo(current).size();
        QVERIFY(log.append(numbered(i)));
        if (QFileInfo(current).size() < before)
            ++rotations;
    }
    QVERIFY(log.append(numbered(i)));
    syncIndex(document);
    QCOMPARE(documentLines(document), linesOf(0, i));
}

// A rotation is several steps (.2.gz -> .3.gz; .1 compressed into .2.gz; .1 removed; current
// -> .1). Between the last two, .1 and .2.gz hold the same lines: a check that comes then, while
// the document still follows a file from two rotations before, reads them once.
void TestLogFollow::checkDuringRotation()
{
    QTemporaryDir dir;
    MigrationLog::Options options;
    options.rotateBytes = 2000;
    options.keep = 3;
    MigrationLog log(dir.path(), options);
    for (int i = 0; i < 5; ++i)
        QVERIFY(log.append(numbered(i)));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    QCOMPARE(document.rowCount(), qint64(5));
    // Two rotations without a check: the followed file is .2.gz now, .1 came after it.
    const QString current = dir.filePath(QStringLiteral("inSyncMigration.log"));
    int i = 5;
    for (int rotations = 0; rotations < 2; ++i) {
        const qint64 before = QFileInfo(current).size();
        QVERIFY(log.append(numbered(i)));
        if (QFileInfo(current).size() < before)
            ++rotations;
    }
    // The third rotation, stopped where the writer has compressed .1 but not removed it yet.
    const QString first = current + QStringLiteral(".1");
    QVERIFY(QFile::rename(current + QStringLiteral(".2.gz"), current + QStringLiteral(".3.gz")));
    QVERIFY(gzipFile(first, current + QStringLiteral(".2.gz")));
    syncIndex(document);
    QCOMPARE(documentLines(document), linesOf(0, i - 1));
    // A document opened now reads each line once too.
    LogDocument opened({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(opened.indexAll());
    QCOMPARE(documentLines(opened), linesOf(0, i - 1));
    // The writer finishes the rotation and goes on.
    QVERIFY(QFile::remove(first));
    QVERIFY(QFile::rename(current, first));
    syncIndex(document);
    QVERIFY(log.append(numbered(i)));
    syncIndex(document);
    QCOMPARE(documentLines(document), linesOf(0, i));
    QVERIFY(document.errors().isEmpty());
    QCOMPARE(document.generation(), quint64(1));
}

void TestLogFollow::truncation_data()
{
    QTest::addColumn<bool>("rewriteLonger");
    QTest::newRow("truncated, fewer bytes after") << false;
    QTest::newRow("truncated and rewritten longer between checks") << true;
}

void TestLogFollow::truncation()
{
    QFETCH(bool, rewriteLonger);
    QTemporaryDir dir;
    const QString current = dir.filePath(QStringLiteral("inSyncMigration.log"));
    MigrationLog log(dir.path());
    for (int i = 0; i < 20; ++i)
        QVERIFY(log.append(numbered(i)));
    QVERIFY(QFile::copy(current, current + QStringLiteral(".1"))); // an older rotation stays
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    QCOMPARE(document.rowCount(), qint64(40));
    // copytruncate-style: same inode, emptied, written again.
    QVERIFY(QFile::resize(current, 0));
    const int newLines = rewriteLonger ? 30 : 3;
    for (int i = 100; i < 100 + newLines; ++i)
        QVERIFY(log.append(numbered(i)));
    QSignalSpy reset(&document, &LogDocument::reset);
    QVERIFY(document.poll());
    QCOMPARE(reset.size(), 1);
    QVERIFY(document.indexAll());
    QCOMPARE(documentLines(document), linesOf(0, 19) + linesOf(100, 99 + newLines));
    QCOMPARE(document.rowCount(), qint64(20 + newLines));
}

void TestLogFollow::removedWhileOpen()
{
    QTemporaryDir dir;
    const QString current = dir.filePath(QStringLiteral("inSyncMigration.log"));
    MigrationLog log(dir.path());
    for (int i = 0; i < 10; ++i)
        QVERIFY(log.append(numbered(i)));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    QVERIFY(QFile::remove(current));
    QVERIFY(!document.poll());
    QCOMPARE(documentLines(document), linesOf(0, 9)); // still readable through the open file
    // The writer starts a new file: it follows the old one.
    for (int i = 10; i < 13; ++i)
        QVERIFY(log.append(numbered(i)));
    syncIndex(document);
    QCOMPARE(documentLines(document), linesOf(0, 12));
}

void TestLogFollow::logAppearsLater()
{
    QTemporaryDir dir;
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    QCOMPARE(document.rowCount(), qint64(0));
    QVERIFY(document.errors().isEmpty());
    MigrationLog log(dir.path());
    QVERIFY(log.append(numbered(1)));
    syncIndex(document);
    QCOMPARE(documentLines(document), linesOf(1, 1));
}

void TestLogFollow::backgroundFollow()
{
    QTemporaryDir dir;
    MigrationLog::Options options;
    options.rotateBytes = 4000;
    options.keep = 3;
    MigrationLog log(dir.path(), options);
    for (int i = 0; i < 10; ++i)
        QVERIFY(log.append(numbered(i)));
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QSignalSpy finished(&document, &LogDocument::indexingFinished);
    QSignalSpy reset(&document, &LogDocument::reset);
    document.setFollowing(true);
    document.start();
    QVERIFY(finished.wait(20000));
    QCOMPARE(document.rowCount(), qint64(10));

    // Appends, with rotations among them: rows come by themselves.
    for (int i = 10; i < 100; ++i)
        QVERIFY(log.append(numbered(i)));
    QTRY_COMPARE_WITH_TIMEOUT(document.rowCount(), qint64(100), 20000);
    QCOMPARE(documentLines(document), linesOf(0, 99));
    QCOMPARE(reset.size(), 0);

    // A truncation: the document resets and reads the new content.
    const QString current = dir.filePath(QStringLiteral("inSyncMigration.log"));
    const qint64 currentLines = splitLines(decodeFile(current)).size();
    QVERIFY(QFile::resize(current, 0));
    QVERIFY(log.append(numbered(500)));
    QVERIFY(reset.wait(20000));
    QTRY_COMPARE_WITH_TIMEOUT(document.rowCount(), 100 - currentLines + 1, 20000);
    QCOMPARE(documentLines(document).constLast(), lineOf(500));

    // Following off: nothing more arrives.
    document.setFollowing(false);
    const qint64 rows = document.rowCount();
    QSignalSpy appended(&document, &LogDocument::rowsAppended);
    QVERIFY(log.append(numbered(501)));
    // Following, the line arrives within 20 ms (inotify) or 250 ms (the timer): give it far longer.
    QVERIFY(!appended.wait(1500));
    QCOMPARE(document.rowCount(), rows);
}

void TestLogFollow::mergedFollow()
{
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("a"))));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("b"))));
    MigrationLog a(dir.filePath(QStringLiteral("a")));
    MigrationLog b(dir.filePath(QStringLiteral("b")));
    QVERIFY(a.append(numbered(0)));
    QVERIFY(b.append(numbered(1)));
    LogDocument document({ { QStringLiteral("a"), dir.filePath(QStringLiteral("a")) },
        { QStringLiteral("b"), dir.filePath(QStringLiteral("b")) } });
    QSignalSpy finished(&document, &LogDocument::indexingFinished);
    document.setFollowing(true);
    document.start();
    QVERIFY(finished.wait(20000));
    QCOMPARE(documentLines(document), linesOf(0, 1));
    QVERIFY(b.append(numbered(2)));
    QVERIFY(a.append(numbered(3)));
    QTRY_COMPARE_WITH_TIMEOUT(document.rowCount(), qint64(4), 20000);
    // Lines that arrive while following are merged by time too.
    QCOMPARE(documentLines(document), linesOf(0, 3));
    const QList<LogRow> rows = document.rows(0, 4);
    QCOMPARE(rows.at(2).storage, QStringLiteral("b"));
    QCOMPARE(rows.at(3).storage, QStringLiteral("a"));
}

QTEST_GUILESS_MAIN(TestLogFollow)
#include "tst_logfollow.moc"
