// LogTableModel under QAbstractItemModelTester while the document indexes, follows, is truncated
// and filtered; the columns and roles a view reads; filtering to a job as the timeline's click
// does, checked row by row.

#include "logs/logdocument.h"
#include "logs/logquery.h"
#include "logs/logtablemodel.h"
#include "logtestutil.h"
#include "util/sizes.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

namespace {

LogRecord jobLine(int i)
{
    const LogLevel level = i % 17 == 0 ? LogLevel::Error : i % 5 == 0 ? LogLevel::Warn : LogLevel::Info;
    LogRecord record = engineRecord(baseTimeMs + qint64(i) * 250, level, i % 6, QStringLiteral("user-%1").arg(i % 6),
        QStringLiteral("phase"), QStringLiteral("step %1").arg(i));
    record.set(QStringLiteral("bytes"), qint64(i) * 1024);
    return record;
}

void writeLines(MigrationLog& log, int first, int last)
{
    QList<LogRecord> records;
    for (int i = first; i < last; ++i)
        records.append(jobLine(i));
    QVERIFY(log.appendLines(records));
}

QVariant cell(const LogTableModel& model, int row, int column, int role = Qt::DisplayRole)
{
    return model.data(model.index(row, column), role);
}

} // namespace

class TestLogModel : public QObject
{
    Q_OBJECT

private slots:
    void modelTester();
    void columnsAndRoles();
    void filterToJob();
    void searchMarksMatches();
    void sinceInMergedView();
    void hugeLineIsCut();
};

void TestLogModel::modelTester()
{
    QTemporaryDir dir;
    MigrationLog::Options options;
    options.rotateBytes = 64 * KiB;
    MigrationLog log(dir.path(), options);
    writeLines(log, 0, 1500);
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    LogTableModel model(&document);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&document, &LogDocument::indexingFinished);
    document.setFollowing(true);
    document.start();
    QVERIFY(finished.wait(20000));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1500, 10000);

    // Follow: rows are inserted at the end.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    writeLines(log, 1500, 1800);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1800, 20000);
    QVERIFY(!inserted.isEmpty());
    QCOMPARE(cell(model, 1799, LogTableModel::MessageColumn).toString().left(9), QStringLiteral("step 1799"));

    // A filter resets the model to the rows that pass; its growth inserts rows.
    LogQueryRunner runner(&document);
    model.setQueryRunner(&runner);
    LogQuery query;
    query.filter.minLevel = LogLevel::Warn;
    QSignalSpy queryDone(&runner, &LogQueryRunner::finished);
    QVERIFY(runner.setQuery(query));
    QVERIFY(queryDone.wait(20000));
    QCOMPARE(model.rowCount(), int(runner.rows().size()));
    QVERIFY(model.rowCount() > 300 && model.rowCount() < 1800);
    writeLines(log, 1800, 1900);
    QTRY_COMPARE_WITH_TIMEOUT(runner.scannedRows(), qint64(1900), 20000);
    QCOMPARE(model.rowCount(), int(runner.rows().size()));

    // A search over the filtered rows only changes data.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    query.search = { QStringLiteral("step 18"), false, Qt::CaseSensitive };
    QVERIFY(runner.setQuery(query));
    QVERIFY(queryDone.wait(20000));
    QVERIFY(runner.matchCount() > 0);

    // A truncation resets the model.
    QSignalSpy modelReset(&model, &QAbstractItemModel::modelReset);
    model.setQueryRunner(nullptr);
    QVERIFY(QFile::resize(dir.filePath(QStringLiteral("inSyncMigration.log")), 0));
    writeLines(log, 5000, 5003);
    QTRY_VERIFY_WITH_TIMEOUT(modelReset.size() >= 2, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, model.rowCount() - 1, LogTableModel::MessageColumn).toString().left(9),
        QStringLiteral("step 5002"), 20000);
}

void TestLogModel::columnsAndRoles()
{
    QTemporaryDir dir;
    MigrationLog log(dir.path());
    writeLines(log, 0, 13);
    QFile file(dir.filePath(QStringLiteral("inSyncMigration.log")));
    QVERIFY(file.open(QIODevice::Append));
    file.write("not logfmt at all\n");
    file.close();
    LogDocument document({ { QStringLiteral("node-1"), dir.path() } });
    QVERIFY(document.indexAll());
    LogTableModel model(&document);
    QCOMPARE(model.rowCount(), 14);
    QCOMPARE(model.columnCount(), int(LogTableModel::ColumnCount));
    QCOMPARE(model.headerData(LogTableModel::TimeColumn, Qt::Horizontal).toString(), QStringLiteral("Time (UTC)"));
    QCOMPARE(cell(model, 0, LogTableModel::TimeColumn).toString(), QStringLiteral("2026-11-24 10:15:02.123"));
    QCOMPARE(cell(model, 12, LogTableModel::TimeColumn).toString(), QStringLiteral("2026-11-24 10:15:05.123"));
    QCOMPARE(cell(model, 5, LogTableModel::LevelColumn).toString(), QStringLiteral("warn"));
    QCOMPARE(cell(model, 5, 0, LogTableModel::LevelRole).toInt(), int(LogLevel::Warn));
    QCOMPARE(cell(model, 7, LogTableModel::JobColumn).toString(), QStringLiteral("1"));
    QCOMPARE(cell(model, 7, LogTableModel::UserColumn).toString(), QStringLiteral("user-1"));
    QCOMPARE(cell(model, 7, LogTableModel::SourceColumn).toString(), QStringLiteral("store-a"));
    QCOMPARE(cell(model, 7, LogTableModel::DestinationColumn).toString(), QStringLiteral("store-b"));
    QCOMPARE(cell(model, 7, LogTableModel::PhaseColumn).toString(), QStringLiteral("copying"));
    QCOMPARE(cell(model, 7, LogTableModel::StorageColumn).toString(), QStringLiteral("node-1"));
    QCOMPARE(cell(model, 7, LogTableModel::MessageColumn).toString(), QStringLiteral("step 7  bytes=7168"));
    // Job 1's lines are 6 apart, 250 ms each: 1.5 s since the previous; its first has none.
    QCOMPARE(cell(model, 7, LogTableModel::SinceColumn).toString(), QStringLiteral("+1.500 s"));
    QCOMPARE(cell(model, 1, LogTableModel::SinceColumn).toString(), QString());
    QCOMPARE(cell(model, 7, 0, LogTableModel::JobRole).toLongLong(), qint64(1));
    QCOMPARE(cell(model, 7, 0, LogTableModel::TimeMsRole).toLongLong(), baseTimeMs + 1750);
    QCOMPARE(cell(model, 7, 0, LogTableModel::DocumentRowRole).toLongLong(), qint64(7));
    QVERIFY(cell(model, 7, 0, LogTableModel::LogfmtRole).toBool());
    QCOMPARE(cell(model, 7, 0, LogTableModel::EventRole).toString(), QStringLiteral("phase"));
    QVERIFY(!cell(model, 7, 0, LogTableModel::MatchRole).toBool());
    // A line that is not logfmt: whole in the message column, nothing elsewhere.
    QCOMPARE(cell(model, 13, LogTableModel::MessageColumn).toString(), QStringLiteral("not logfmt at all"));
    QCOMPARE(cell(model, 13, LogTableModel::TimeColumn).toString(), QString());
    QCOMPARE(cell(model, 13, 0, LogTableModel::LevelRole).toInt(), -1);
    QVERIFY(!cell(model, 13, 0, LogTableModel::LogfmtRole).toBool());
    QVERIFY(cell(model, 13, 0, LogTableModel::TimeMsRole).isNull());
    QCOMPARE(cell(model, 13, 0, LogTableModel::RawLineRole).toString(), QStringLiteral("not logfmt at all"));
    QVERIFY(!cell(model, 14, LogTableModel::TimeColumn).isValid());
    QVERIFY(model.roleNames().contains(LogTableModel::LevelRole));
}

void TestLogModel::filterToJob()
{
    // The timeline's click: filter to one job; the table then holds exactly that job's lines.
    QTemporaryDir dir;
    MigrationLog log(dir.path());
    writeLines(log, 0, 3000);
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QSignalSpy finished(&document, &LogDocument::indexingFinished);
    document.start();
    QVERIFY(finished.wait(20000));
    LogTableModel model(&document);
    LogQueryRunner runner(&document);
    model.setQueryRunner(&runner);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 3000);
    QSignalSpy done(&runner, &LogQueryRunner::finished);
    LogQuery query;
    query.filter.job = 4;
    QVERIFY(runner.setQuery(query));
    QVERIFY(done.wait(20000));
    QCOMPARE(model.rowCount(), 500);
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(cell(model, row, LogTableModel::JobColumn).toString(), QStringLiteral("4"));
        const qint64 documentRow = cell(model, row, 0, LogTableModel::DocumentRowRole).toLongLong();
        QCOMPARE(documentRow, qint64(4 + row * 6));
        QCOMPARE(model.documentRow(row), documentRow);
        QCOMPARE(model.rowForDocumentRow(documentRow), row);
        QCOMPARE(cell(model, row, LogTableModel::MessageColumn).toString().section(u' ', 0, 1),
            QStringLiteral("step %1").arg(documentRow));
        if (row > 0) // its previous line is the previous row: 6 lines, 1.5 s before
            QCOMPARE(cell(model, row, LogTableModel::SinceColumn).toString(), QStringLiteral("+1.500 s"));
    }
    QCOMPARE(model.rowForDocumentRow(5), -1);
    // Back to everything.
    QVERIFY(runner.setQuery({}));
    QCOMPARE(model.rowCount(), 3000);
}

void TestLogModel::searchMarksMatches()
{
    QTemporaryDir dir;
    MigrationLog log(dir.path());
    writeLines(log, 0, 400);
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    LogTableModel model(&document);
    LogQueryRunner runner(&document);
    model.setQueryRunner(&runner);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy done(&runner, &LogQueryRunner::finished);
    QVERIFY(runner.setQuery({ {}, { QStringLiteral("step 12"), false, Qt::CaseSensitive } }));
    QVERIFY(done.wait(20000));
    QCOMPARE(model.rowCount(), 400); // a search alone filters nothing
    QCOMPARE(runner.matches(), (QList<quint32> { 12, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129 }));
    QVERIFY(cell(model, 12, 0, LogTableModel::MatchRole).toBool());
    QVERIFY(!cell(model, 13, 0, LogTableModel::MatchRole).toBool());
    QVERIFY(!changed.isEmpty());
    const auto first = changed.last().at(0).value<QModelIndex>();
    QVERIFY(first.row() <= 12);
}

void TestLogModel::sinceInMergedView()
{
    // The engine writes each line to both storages: the duplicate in the other log is not the
    // job's previous line.
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("a"))));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("b"))));
    MigrationLog a(dir.filePath(QStringLiteral("a")));
    MigrationLog b(dir.filePath(QStringLiteral("b")));
    for (int i = 0; i < 3; ++i) {
        const LogRecord record = engineRecord(baseTimeMs + qint64(i) * 2000, LogLevel::Info, 9, QStringLiteral("u"),
            QStringLiteral("phase"), QStringLiteral("m"));
        QVERIFY(a.append(record));
        QVERIFY(b.append(record));
    }
    LogDocument document({ { QStringLiteral("a"), dir.filePath(QStringLiteral("a")) },
        { QStringLiteral("b"), dir.filePath(QStringLiteral("b")) } });
    QVERIFY(document.indexAll());
    LogTableModel model(&document);
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(cell(model, 0, LogTableModel::SinceColumn).toString(), QString());
    QCOMPARE(cell(model, 1, LogTableModel::SinceColumn).toString(), QString());
    QCOMPARE(cell(model, 2, LogTableModel::SinceColumn).toString(), QStringLiteral("+2.000 s"));
    QCOMPARE(cell(model, 3, LogTableModel::SinceColumn).toString(), QStringLiteral("+2.000 s"));
    QCOMPARE(cell(model, 2, LogTableModel::StorageColumn).toString(), QStringLiteral("a"));
    QCOMPARE(cell(model, 3, LogTableModel::StorageColumn).toString(), QStringLiteral("b"));
}

void TestLogModel::hugeLineIsCut()
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("inSyncMigration.log")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("ts=2026-11-24T10:15:02.123Z level=info msg=before\n");
    file.write(QByteArray(10 << 20, 'x'));
    file.write("\nts=2026-11-24T10:15:03.123Z level=info msg=after");
    file.close();
    LogDocument document({ { QStringLiteral("s"), dir.path() } });
    QVERIFY(document.indexAll());
    LogTableModel model(&document);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 3);
    const QString shown = cell(model, 1, LogTableModel::MessageColumn).toString();
    QVERIFY(shown.size() <= LogTableModel::maxDisplayChars + 2);
    QCOMPARE(cell(model, 1, 0, LogTableModel::RawLineRole).toString().size(), 10 << 20);
    QCOMPARE(cell(model, 2, LogTableModel::MessageColumn).toString(), QStringLiteral("after"));
}

QTEST_GUILESS_MAIN(TestLogModel)
#include "tst_logmodel.moc"
