// The viewer's parser: a line of inSyncMigration.log split into its columns, malformed lines kept
// whole in the message column, the cheap leading timestamp the merge uses, the JSON of the CLI.

#include "logs/logfmt.h"
#include "logs/logrow.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace pk;

class TestLogRow : public QObject
{
    Q_OBJECT

private slots:
    void columns_data();
    void columns();
    void malformed_data();
    void malformed();
    void garbageNeverCrashes();
    void leadingTimestamp_data();
    void leadingTimestamp();
    void json();
    void elapsed_data();
    void elapsed();
};

void TestLogRow::columns_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("time");
    QTest::addColumn<int>("level"); // -1: none
    QTest::addColumn<QString>("job");
    QTest::addColumn<qint64>("jobNumber"); // -1: not a number
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("src");
    QTest::addColumn<QString>("dst");
    QTest::addColumn<QString>("phase");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("extra");

    QTest::newRow("design example") << QByteArray(
        "ts=2026-11-24T10:15:02.123Z level=info job=42 user=alice src=store-a dst=store-c phase=copying "
        "bytes=1048576 total=52428800 msg=\"copied 12 chunks\"")
                                    << "2026-11-24 10:15:02.123" << int(LogLevel::Info) << "42" << qint64(42) << "alice"
                                    << "store-a"
                                    << "store-c"
                                    << "copying"
                                    << "copied 12 chunks"
                                    << "bytes=1048576 total=52428800";
    QTest::newRow("crlf") << QByteArray("ts=2026-11-24T10:15:02Z level=error job=7 msg=boom\r")
                          << "2026-11-24 10:15:02.000" << int(LogLevel::Error) << "7" << qint64(7) << ""
                          << ""
                          << ""
                          << ""
                          << "boom"
                          << "";
    QTest::newRow("escapes in values") << QByteArray(
        R"(ts=2026-11-24T10:15:02.5Z level=warn user="o\"brien" msg="a\nb\tc")")
                                       << "2026-11-24 10:15:02.500" << int(LogLevel::Warn) << "" << qint64(-1)
                                       << "o\"brien"
                                       << ""
                                       << ""
                                       << ""
                                       << "a\nb\tc"
                                       << "";
    QTest::newRow("warning is warn") << QByteArray("level=WARNING msg=x") << "" << int(LogLevel::Warn) << ""
                                     << qint64(-1) << ""
                                     << ""
                                     << ""
                                     << ""
                                     << "x"
                                     << "";
    QTest::newRow("unknown level") << QByteArray("level=notice msg=x") << "" << -1 << "" << qint64(-1) << ""
                                   << ""
                                   << ""
                                   << ""
                                   << "x"
                                   << "";
    QTest::newRow("bad timestamp") << QByteArray("ts=2026-13-01T00:00:00Z level=info msg=x") << ""
                                   << int(LogLevel::Info) << "" << qint64(-1) << ""
                                   << ""
                                   << ""
                                   << ""
                                   << "x"
                                   << "";
    QTest::newRow("job not a number") << QByteArray("ts=2026-11-24T10:15:02.123Z level=info job=abc msg=x")
                                      << "2026-11-24 10:15:02.123" << int(LogLevel::Info) << "abc" << qint64(-1) << ""
                                      << ""
                                      << ""
                                      << ""
                                      << "x"
                                      << "";
    QTest::newRow("first of a repeated key")
        << QByteArray("job=1 job=2 user=a user=b") << "" << -1 << "1" << qint64(1) << "a"
        << ""
        << ""
        << ""
        << ""
        << "";
    QTest::newRow("alert of the balancer")
        << QByteArray("ts=2026-11-24T10:15:02.123Z level=warn msg=\"Low Free Space Available\" "
                      "event=alert storage=s1 pool=p")
        << "2026-11-24 10:15:02.123" << int(LogLevel::Warn) << "" << qint64(-1) << ""
        << ""
        << ""
        << ""
        << "Low Free Space Available"
        << "storage=s1 pool=p";
    QTest::newRow("empty quoted value") << QByteArray(R"(level=info msg="" note="two words")") << ""
                                        << int(LogLevel::Info) << "" << qint64(-1) << ""
                                        << ""
                                        << ""
                                        << ""
                                        << ""
                                        << "note=\"two words\"";
}

void TestLogRow::columns()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, time);
    QFETCH(int, level);
    QFETCH(QString, job);
    QFETCH(qint64, jobNumber);
    QFETCH(QString, user);
    QFETCH(QString, src);
    QFETCH(QString, dst);
    QFETCH(QString, phase);
    QFETCH(QString, message);
    QFETCH(QString, extra);
    const LogRow row = LogRow::parse(line);
    QVERIFY(row.logfmt);
    QCOMPARE(row.timeText(), time);
    QCOMPARE(row.level ? int(*row.level) : -1, level);
    QCOMPARE(row.jobText, job);
    QCOMPARE(row.job.value_or(-1), jobNumber);
    QCOMPARE(row.user, user);
    QCOMPARE(row.src, src);
    QCOMPARE(row.dst, dst);
    QCOMPARE(row.phase, phase);
    QCOMPARE(row.message, message);
    QCOMPARE(row.extra, extra);
    QVERIFY(!row.raw.endsWith('\r'));
}

void TestLogRow::malformed_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("only spaces") << QByteArray("   \t ");
    QTest::newRow("free text") << QByteArray("Traceback (most recent call last):");
    QTest::newRow("unterminated quote") << QByteArray("ts=2026-11-24T10:15:02.123Z level=info msg=\"never closed");
    QTest::newRow("key without equals") << QByteArray("ts=2026-11-24T10:15:02.123Z level info");
    QTest::newRow("equals without key") << QByteArray("=value level=info");
    QTest::newRow("quote inside a bare value") << QByteArray("level=info msg=a\"b");
    QTest::newRow("control byte") << QByteArray("level=info msg=a\x01");
    QTest::newRow("bad escape") << QByteArray(R"(level=info msg="a\qb")");
    QTest::newRow("nul bytes") << QByteArray("level=info\0msg=x", 16);
    QTest::newRow("invalid utf-8") << QByteArray("\xff\xfe\xfd plain");
}

void TestLogRow::malformed()
{
    QFETCH(QByteArray, line);
    const LogRow row = LogRow::parse(line);
    QVERIFY(!row.logfmt);
    QVERIFY(!row.timeMs);
    QVERIFY(!row.level);
    QVERIFY(!row.job);
    QVERIFY(row.user.isEmpty());
    // The whole line is the message.
    QCOMPARE(row.message, QString::fromUtf8(line.endsWith('\r') ? line.chopped(1) : line));
    QCOMPARE(row.raw, line);
    const QJsonObject json = row.toJson();
    QVERIFY(json.contains(QStringLiteral("raw")));
    QVERIFY(!json.contains(QStringLiteral("msg")));
}

void TestLogRow::garbageNeverCrashes()
{
    QRandomGenerator random(11);
    for (int n = 0; n < 20000; ++n) {
        QByteArray line(random.bounded(200), Qt::Uninitialized);
        for (char& c : line)
            c = random.bounded(4) == 0 ? "=\" \\"[random.bounded(4)] : char(random.bounded(256));
        const LogRow row = LogRow::parse(line);
        QCOMPARE(row.raw.size() + (line.endsWith('\r') ? 1 : 0), line.size());
        if (!row.logfmt)
            QVERIFY(!row.level && !row.timeMs);
    }
}

void TestLogRow::leadingTimestamp_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<qint64>("expected"); // -1: none
    const qint64 t = *Logfmt::parseTimestamp("2026-11-24T10:15:02.123Z");
    QTest::newRow("first") << QByteArray("ts=2026-11-24T10:15:02.123Z level=info") << t;
    QTest::newRow("alone") << QByteArray("ts=2026-11-24T10:15:02.123Z") << t;
    QTest::newRow("crlf") << QByteArray("ts=2026-11-24T10:15:02.123Z\r") << t;
    QTest::newRow("not first") << QByteArray("level=info ts=2026-11-24T10:15:02.123Z msg=x") << t;
    QTest::newRow("not a key of its own") << QByteArray("level=info xts=2026-11-24T10:15:02.123Z") << qint64(-1);
    QTest::newRow("bad value") << QByteArray("ts=yesterday level=info") << qint64(-1);
    QTest::newRow("none") << QByteArray("free text") << qint64(-1);
    QTest::newRow("empty") << QByteArray() << qint64(-1);
}

void TestLogRow::leadingTimestamp()
{
    QFETCH(QByteArray, line);
    QFETCH(qint64, expected);
    QCOMPARE(pk::leadingTimestamp(line).value_or(-1), expected);
}

void TestLogRow::json()
{
    LogRow row = LogRow::parse("ts=2026-11-24T10:15:02.123Z level=error job=42 user=alice src=a dst=b phase=verifying "
                               "event=failure msg=\"hash mismatch\"");
    row.storage = QStringLiteral("store-a");
    const QJsonObject json = row.toJson();
    QCOMPARE(json.value(QStringLiteral("time")).toString(), QStringLiteral("2026-11-24T10:15:02.123Z"));
    QCOMPARE(json.value(QStringLiteral("level")).toString(), QStringLiteral("error"));
    QCOMPARE(json.value(QStringLiteral("job")).toInteger(), 42);
    QCOMPARE(json.value(QStringLiteral("user")).toString(), QStringLiteral("alice"));
    QCOMPARE(json.value(QStringLiteral("src")).toString(), QStringLiteral("a"));
    QCOMPARE(json.value(QStringLiteral("dst")).toString(), QStringLiteral("b"));
    QCOMPARE(json.value(QStringLiteral("phase")).toString(), QStringLiteral("verifying"));
    QCOMPARE(json.value(QStringLiteral("msg")).toString(), QStringLiteral("hash mismatch"));
    QCOMPARE(json.value(QStringLiteral("storage")).toString(), QStringLiteral("store-a"));
    QVERIFY(!json.contains(QStringLiteral("raw")));
}

void TestLogRow::elapsed_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");
    QTest::newRow("0") << qint64(0) << "+0.000 s";
    QTest::newRow("250 ms") << qint64(250) << "+0.250 s";
    QTest::newRow("12.3 s") << qint64(12345) << "+12.3 s";
    QTest::newRow("5 m") << qint64(302000) << "+5 m 02 s";
    QTest::newRow("3 h") << qint64(3 * 3600000 + 4 * 60000) << "+3 h 04 m";
    QTest::newRow("2 d") << qint64(2 * 86400000LL + 3600000) << "+2 d 01 h";
    QTest::newRow("negative") << qint64(-1500) << "-1.500 s";
}

void TestLogRow::elapsed()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);
    QCOMPARE(formatElapsed(ms), text);
}

QTEST_GUILESS_MAIN(TestLogRow)
#include "tst_logrow.moc"
