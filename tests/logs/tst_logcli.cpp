// poolkeeper-cli log, the real binary on real workspaces: one storage with rotated and compressed
// files, a pool merged by time, --job and --level, JSON Lines, a damaged rotation (what can be
// read, then exit 1), the usage and not-found exit codes, and --follow across rotation and
// truncation until SIGINT.

#include "archive/gzip.h"
#include "clirunner.h"
#include "logtestutil.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace pk;
using namespace pk::test;

namespace {

class LogWorkspace
{
    QTemporaryDir m_dir;

public:
    LogWorkspace()
        : cli(m_dir.filePath(QStringLiteral("ws")))
    { }

    QString root(const QString& storage) const { return m_dir.filePath(QStringLiteral("storages/") + storage); }

    // init, pool "main" with storages s1 and s2, pool "empty" without any.
    bool setUp()
    {
        QDir().mkpath(root(QStringLiteral("s1")));
        QDir().mkpath(root(QStringLiteral("s2")));
        const QList<QStringList> steps = {
            { QStringLiteral("init") },
            { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("main") },
            { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("empty") },
            { QStringLiteral("storage"), QStringLiteral("add"), QStringLiteral("main"), QStringLiteral("s1"),
                root(QStringLiteral("s1")) },
            { QStringLiteral("storage"), QStringLiteral("add"), QStringLiteral("main"), QStringLiteral("s2"),
                root(QStringLiteral("s2")) },
        };
        return cli.runSteps(steps);
    }

    CliRunner cli;
};

LogRecord line(int i, qint64 job, LogLevel level = LogLevel::Info)
{
    return engineRecord(baseTimeMs + qint64(i) * 1000, level, job, QStringLiteral("alice"), QStringLiteral("phase"),
        QStringLiteral("line %1").arg(i));
}

QByteArray formatted(int i, qint64 job, LogLevel level = LogLevel::Info)
{
    return Logfmt::format(line(i, job, level)).chopped(1);
}

QList<QByteArray> outputLines(const CliResult& result)
{
    return splitLines(result.out);
}

} // namespace

class TestLogCli : public QObject
{
    Q_OBJECT

private slots:
    void usageAndNotFound_data();
    void usageAndNotFound();
    void storageWithRotations();
    void poolMergedByTime();
    void jobAndLevel();
    void jsonLines();
    void damagedRotation();
    void follow();
};

void TestLogCli::usageAndNotFound_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("neither storage nor pool")
        << QStringList { QStringLiteral("log") } << 2 << "either a STORAGE or --pool";
    QTest::newRow("both") << QStringList { QStringLiteral("log"), QStringLiteral("s1"), QStringLiteral("--pool"),
        QStringLiteral("main") }
                          << 2 << "either a STORAGE or --pool";
    QTest::newRow("bad level") << QStringList { QStringLiteral("log"), QStringLiteral("s1"), QStringLiteral("--level"),
        QStringLiteral("loud") }
                               << 2 << "unknown level 'loud'";
    QTest::newRow("job not a number") << QStringList { QStringLiteral("log"), QStringLiteral("s1"),
        QStringLiteral("--job"), QStringLiteral("7a") }
                                      << 2 << "must be a number";
    QTest::newRow("negative job") << QStringList { QStringLiteral("log"), QStringLiteral("s1"),
        QStringLiteral("--job=-3") }
                                  << 2 << "must be a number";
    QTest::newRow("two storages") << QStringList { QStringLiteral("log"), QStringLiteral("s1"), QStringLiteral("s2") }
                                  << 2 << "too many arguments";
    QTest::newRow("unknown storage") << QStringList { QStringLiteral("log"), QStringLiteral("nope") } << 3
                                     << "no storage named 'nope'";
    QTest::newRow("unknown pool") << QStringList { QStringLiteral("log"), QStringLiteral("--pool"),
        QStringLiteral("nope") } << 3
                                  << "nope";
}

void TestLogCli::usageAndNotFound()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    const CliResult result = workspace.cli.run(args);
    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    QVERIFY2(QString::fromUtf8(result.err).contains(message), qPrintable(result.describe()));
    QCOMPARE(result.err.count('\n'), 1); // one line
    QVERIFY(result.out.isEmpty());

    // No workspace at all: not found too.
    QTemporaryDir nowhere;
    const CliResult missing
        = CliRunner(nowhere.filePath(QStringLiteral("none"))).run({ QStringLiteral("log"), QStringLiteral("s1") });
    QCOMPARE(missing.exitCode, 3);
}

void TestLogCli::storageWithRotations()
{
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    MigrationLog::Options options;
    options.rotateBytes = 6000;
    options.keep = 4;
    MigrationLog log(workspace.root(QStringLiteral("s1")), options);
    for (int i = 0; i < 200; ++i)
        QVERIFY(log.append(line(i, i % 3)));
    QVERIFY(MigrationLog::files(workspace.root(QStringLiteral("s1"))).constFirst().endsWith(QStringLiteral(".gz")));
    const CliResult result = workspace.cli.run({ QStringLiteral("log"), QStringLiteral("s1") });
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.err.isEmpty());
    const QList<QByteArray> expected = naiveLogLines(workspace.root(QStringLiteral("s1")));
    QVERIFY(expected.size() > 50);
    QCOMPARE(outputLines(result), expected);
    QCOMPARE(outputLines(result).constLast(), formatted(199, 199 % 3));

    // A storage without any log: nothing, and success.
    const CliResult empty = workspace.cli.run({ QStringLiteral("log"), QStringLiteral("s2") });
    QCOMPARE(empty.exitCode, 0);
    QVERIFY(empty.out.isEmpty());
    const CliResult emptyPool
        = workspace.cli.run({ QStringLiteral("log"), QStringLiteral("--pool"), QStringLiteral("empty") });
    QCOMPARE(emptyPool.exitCode, 0);
    QVERIFY(emptyPool.out.isEmpty());
}

void TestLogCli::poolMergedByTime()
{
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    MigrationLog s1(workspace.root(QStringLiteral("s1")));
    MigrationLog s2(workspace.root(QStringLiteral("s2")));
    QList<QByteArray> expected;
    for (int i = 0; i < 60; ++i) {
        QVERIFY((i % 3 == 0 ? s2 : s1).append(line(i, 1)));
        expected.append(formatted(i, 1));
    }
    appendRaw(
        workspace.root(QStringLiteral("s2")) + QStringLiteral("/inSyncMigration.log"), "    continuation of line 57\n");
    expected.insert(58, "    continuation of line 57");
    const CliResult result
        = workspace.cli.run({ QStringLiteral("log"), QStringLiteral("--pool"), QStringLiteral("main") });
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(outputLines(result), expected);
}

void TestLogCli::jobAndLevel()
{
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    MigrationLog log(workspace.root(QStringLiteral("s1")));
    const LogLevel levels[] = { LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error };
    for (int i = 0; i < 40; ++i)
        QVERIFY(log.append(line(i, i % 4, levels[i % 4 == 0 ? (i / 4) % 4 : i % 4])));
    auto run = [&](const QStringList& extra) {
        const CliResult result = workspace.cli.run(QStringList { QStringLiteral("log"), QStringLiteral("s1") } + extra);
        if (result.exitCode != 0)
            qWarning("%s", qPrintable(result.describe()));
        return outputLines(result);
    };
    const QList<QByteArray> job = run({ QStringLiteral("--job"), QStringLiteral("0") });
    QCOMPARE(job.size(), 10);
    for (const QByteArray& text : job)
        QVERIFY(text.contains(" job=0 "));
    const QList<QByteArray> warn = run({ QStringLiteral("--level"), QStringLiteral("warn") });
    QVERIFY(!warn.isEmpty());
    for (const QByteArray& text : warn)
        QVERIFY(text.contains("level=warn") || text.contains("level=error"));
    QCOMPARE(warn.size(), 20 + 4); // jobs 2 and 3, and 4 of job 0
    const QList<QByteArray> both
        = run({ QStringLiteral("--job"), QStringLiteral("0"), QStringLiteral("--level"), QStringLiteral("ERROR") });
    QCOMPARE(both.size(), 2);
    QVERIFY(run({ QStringLiteral("--job"), QStringLiteral("99") }).isEmpty());
}

void TestLogCli::jsonLines()
{
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    MigrationLog log(workspace.root(QStringLiteral("s2")));
    QVERIFY(log.append(line(1, 42, LogLevel::Error)));
    appendRaw(workspace.root(QStringLiteral("s2")) + QStringLiteral("/inSyncMigration.log"), "free text \xc3\xa9\r\n");
    const CliResult result = workspace.cli.run(
        { QStringLiteral("log"), QStringLiteral("--pool"), QStringLiteral("main"), QStringLiteral("--json") });
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QList<QByteArray> lines = outputLines(result);
    QCOMPARE(lines.size(), 2);
    QJsonParseError error;
    const QJsonObject first = QJsonDocument::fromJson(lines.at(0), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(first.value(QStringLiteral("time")).toString(), QStringLiteral("2026-11-24T10:15:03.123Z"));
    QCOMPARE(first.value(QStringLiteral("level")).toString(), QStringLiteral("error"));
    QCOMPARE(first.value(QStringLiteral("job")).toInteger(), 42);
    QCOMPARE(first.value(QStringLiteral("user")).toString(), QStringLiteral("alice"));
    QCOMPARE(first.value(QStringLiteral("src")).toString(), QStringLiteral("store-a"));
    QCOMPARE(first.value(QStringLiteral("dst")).toString(), QStringLiteral("store-b"));
    QCOMPARE(first.value(QStringLiteral("phase")).toString(), QStringLiteral("copying"));
    QCOMPARE(first.value(QStringLiteral("msg")).toString(), QStringLiteral("line 1"));
    QCOMPARE(first.value(QStringLiteral("storage")).toString(), QStringLiteral("s2"));
    QVERIFY(!first.contains(QStringLiteral("raw")));
    const QJsonObject second = QJsonDocument::fromJson(lines.at(1), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(second.value(QStringLiteral("raw")).toString(), QStringLiteral("free text é"));
    QCOMPARE(second.value(QStringLiteral("storage")).toString(), QStringLiteral("s2"));
    QVERIFY(!second.contains(QStringLiteral("time")));
}

void TestLogCli::damagedRotation()
{
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    const QString root = workspace.root(QStringLiteral("s1"));
    QByteArray older;
    for (int i = 0; i < 3000; ++i)
        older += formatted(i, 5) + '\n';
    QFile plain(root + QStringLiteral("/older"));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.write(older);
    plain.close();
    const QString packed = root + QStringLiteral("/inSyncMigration.log.2.gz");
    QVERIFY(gzipFile(plain.fileName(), packed));
    QVERIFY(plain.remove());
    QFile gz(packed);
    QVERIFY(gz.open(QIODevice::ReadWrite));
    QVERIFY(gz.resize(gz.size() / 2));
    gz.close();
    MigrationLog log(root);
    QVERIFY(log.append(line(5000, 6)));

    const CliResult result = workspace.cli.run({ QStringLiteral("log"), QStringLiteral("s1") });
    QCOMPARE(result.exitCode, 1);
    const QList<QByteArray> lines = outputLines(result);
    QVERIFY(lines.size() > 100);
    QCOMPARE(lines.first(), formatted(0, 5));
    QCOMPARE(lines.last(), formatted(5000, 6)); // the files after the damage are printed too
    QCOMPARE(result.err.count('\n'), 1);
    QVERIFY2(result.err.contains("inSyncMigration.log.2.gz"), result.err.constData());
}

void TestLogCli::follow()
{
    LogWorkspace workspace;
    QVERIFY(workspace.setUp());
    const QString root = workspace.root(QStringLiteral("s1"));
    MigrationLog::Options options;
    options.rotateBytes = 3000;
    options.keep = 3;
    MigrationLog log(root, options);
    for (int i = 0; i < 5; ++i)
        QVERIFY(log.append(line(i, 1)));

    QProcess process;
    process.start(CliRunner::binary(),
        { QStringLiteral("--workspace"), workspace.cli.workspace(), QStringLiteral("log"), QStringLiteral("s1"),
            QStringLiteral("--follow") });
    QVERIFY(process.waitForStarted(30000));
    QByteArray out;
    auto waitForLines = [&](int count) {
        QElapsedTimer timer;
        timer.start();
        while (out.count('\n') < count && timer.elapsed() < 30000) {
            process.waitForReadyRead(200);
            out += process.readAllStandardOutput();
        }
        return out.count('\n') >= count;
    };
    QVERIFY(waitForLines(5));
    // Appends with rotations among them.
    for (int i = 5; i < 80; ++i)
        QVERIFY(log.append(line(i, 1)));
    QVERIFY2(waitForLines(80), out.constData());
    // A truncation: the new content follows.
    QVERIFY(QFile::resize(root + QStringLiteral("/inSyncMigration.log"), 0));
    for (int i = 100; i < 103; ++i)
        QVERIFY(log.append(line(i, 2)));
    QVERIFY2(waitForLines(83), out.constData());

    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(30000));
    out += process.readAllStandardOutput();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QList<QByteArray> expected;
    for (int i = 0; i < 80; ++i)
        expected.append(formatted(i, 1));
    for (int i = 100; i < 103; ++i)
        expected.append(formatted(i, 2));
    QCOMPARE(splitLines(out), expected);
}

QTEST_GUILESS_MAIN(TestLogCli)
#include "tst_logcli.moc"
