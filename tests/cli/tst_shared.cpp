// A ConfigDb on PostgreSQL, through the real poolkeeper-cli against a throwaway server: the URL,
// poolkeeper.conf, passwords that never show, bad input that changes nothing, no lost update
// between processes, and a workstation's SQLite ConfigDb copied into a shared database.

#include "cliworkspace.h"
#include "configdb/configdb.h"
#include "configdb/configdbcopier.h"
#include "configdb/poolrepo.h"
#include "configdb/samplerepo.h"
#include "master/workspace.h"
#include "pgserver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

namespace {

constexpr const char* password = "s3cret-Pa55";
constexpr int incrementsPerProcess = 150;

// The helper mode of this executable: read-then-write a counter in transactions.
int runIncrements(const QString& url)
{
    auto location = ConfigDbLocation::parseUrl(url);
    auto db = location ? ConfigDb::open(*location, ConfigDb::OpenMode::MustExist)
                       : Result<std::unique_ptr<ConfigDb>>(location.error());
    if (!db)
        return 2;
    for (int i = 0; i < incrementsPerProcess; ++i) {
        const Status status = (*db)->transaction([&]() -> Status {
            auto row = (*db)->queryRow(QStringLiteral("SELECT max_moves_out FROM pools WHERE name = 'counter'"));
            if (!row)
                return row.error();
            auto update = (*db)->exec(QStringLiteral("UPDATE pools SET max_moves_out = ? WHERE name = 'counter'"),
                { row->value(0).toLongLong() + 1 });
            return update ? Status() : Status(update.error());
        });
        if (!status)
            return 1;
    }
    return 0;
}

} // namespace

class TestShared : public QObject
{
    Q_OBJECT

    PgServer* m_server = nullptr;

    ConfigDbLocation database(const QString& prefix = QStringLiteral("shared"))
    {
        QString error;
        ConfigDbLocation location = m_server->createDatabase(prefix, &error);
        if (!location.isPostgres())
            qWarning("%s", qPrintable(error));
        return location;
    }

    QString urlWithPassword(const ConfigDbLocation& location, const QString& user, const QString& secret)
    {
        return QStringLiteral("postgresql://%1:%2@127.0.0.1:%3/%4")
            .arg(user, secret)
            .arg(m_server->port())
            .arg(location.database());
    }

private slots:
    void initTestCase()
    {
        QString error;
        m_server = PgServer::shared(&error);
        QVERIFY2(m_server, qPrintable(error));
        QVERIFY(m_server->runSql(QStringLiteral("postgres"),
            QStringLiteral("CREATE ROLE keeper LOGIN PASSWORD '%1'").arg(QLatin1String(password))));
    }

    void urlParsing_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("shown");
        QTest::newRow("full") << "postgresql://keeper:pw@db.example:6543/pool?sslmode=require" << true
                              << "postgresql://keeper@db.example:6543/pool?sslmode=require";
        QTest::newRow("short scheme, default port") << "postgres://db/pool" << true << "postgresql://db/pool";
        QTest::newRow("escaped password") << "postgresql://u:p%40ss%2Fw@h/d" << true << "postgresql://u@h/d";
        QTest::newRow("no database") << "postgresql://h" << false << "";
        QTest::newRow("no host") << "postgresql:///d" << false << "";
        QTest::newRow("two path parts") << "postgresql://h/a/b" << false << "";
        QTest::newRow("unknown parameter") << "postgresql://h/d?foo=1" << false << "";
        QTest::newRow("bad sslmode") << "postgresql://h/d?sslmode=always" << false << "";
        QTest::newRow("bad port") << "postgresql://h:99999/d" << false << "";
        QTest::newRow("other scheme") << "mysql://h/d" << false << "";
    }

    void urlParsing()
    {
        QFETCH(QString, url);
        QFETCH(bool, ok);
        QFETCH(QString, shown);
        auto location = ConfigDbLocation::parseUrl(url);
        QCOMPARE(location.isOk(), ok);
        if (!ok) {
            QCOMPARE(location.error().code, ErrorCode::Usage);
            QVERIFY(!location.error().message.contains(QLatin1String("pw")));
            return;
        }
        QCOMPARE(location->displayName(), shown);
        QVERIFY(!location->displayName().contains(QLatin1String("pw")));
        QCOMPARE(ConfigDbLocation::parseUrl(location->url()).value(), *location);
    }

    void initRecordsTheUrlAndNeverShowsThePassword()
    {
        const ConfigDbLocation db = database();
        QVERIFY(m_server->runSql(db.database(), QStringLiteral("GRANT ALL ON SCHEMA public TO keeper")));
        CliWorkspace w;
        const QString url = urlWithPassword(db, QStringLiteral("keeper"), QLatin1String(password));
        const CliResult init = w.cli.run({ QStringLiteral("init"), QStringLiteral("--configdb"), url });
        QVERIFY2(init.exitCode == 0, qPrintable(init.describe()));
        QVERIFY(init.out.contains("created ConfigDb"));
        const QString conf = Workspace::configPath(w.ws());
        QCOMPARE(
            QFileInfo(conf).permissions(), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser);
        QVERIFY(Workspace::configDbLocation(w.ws()).value().url().contains(QLatin1String(password)));
        QVERIFY(!QFile::exists(w.dbPath()));
        QList<CliResult> results = { init };
        results.append(w.cli.run({ QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("main"),
            QStringLiteral("--high"), QStringLiteral("85.5"), QStringLiteral("--low"), QStringLiteral("60.25") }));
        results.append(w.cli.run({ QStringLiteral("status"), QStringLiteral("--json") }));
        results.append(w.cli.run({ QStringLiteral("bundle"), w.path(QStringLiteral("bundle.tar.gz")) }));
        for (const CliResult& result : std::as_const(results)) {
            QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
            QVERIFY(!result.out.contains(password));
            QVERIFY(!result.err.contains(password));
        }
        // Fractions survive the round trip through PostgreSQL.
        const QJsonObject pool = results.at(2).json().object().value(QLatin1String("pools")).toArray().at(0).toObject();
        QCOMPARE(pool.value(QLatin1String("high_percent")).toDouble(), 85.5);
        QCOMPARE(pool.value(QLatin1String("low_percent")).toDouble(), 60.25);
        QVERIFY(results.at(2).json().object().value(QLatin1String("engine")).isNull());
        QFile bundle(w.path(QStringLiteral("bundle.tar.gz")));
        QVERIFY(bundle.open(QIODevice::ReadOnly));
        QProcess tar;
        tar.start(QStringLiteral("tar"), { QStringLiteral("xzOf"), bundle.fileName() });
        QVERIFY(tar.waitForFinished(30000));
        const QByteArray everything = tar.readAllStandardOutput();
        QVERIFY(everything.contains("SQLite format 3"));
        QVERIFY(!everything.contains(password));

        // Running init again on the same database changes nothing.
        const CliResult again = w.cli.run({ QStringLiteral("init"), QStringLiteral("--configdb"), url });
        QVERIFY2(again.exitCode == 0 && again.out.contains("already holds"), qPrintable(again.describe()));
    }

    void passwordFromTheEnvironment()
    {
        const ConfigDbLocation db = database();
        QVERIFY(m_server->runSql(db.database(), QStringLiteral("GRANT ALL ON SCHEMA public TO keeper")));
        const QString url
            = QStringLiteral("postgresql://keeper@127.0.0.1:%1/%2").arg(m_server->port()).arg(db.database());
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PGPASSWORD"), QLatin1String(password));
        const QStringList init = { QStringLiteral("--workspace"), dir.filePath(QStringLiteral("ws")),
            QStringLiteral("init"), QStringLiteral("--configdb"), url };
        QVERIFY(CliRunner::runRaw(init, env).exitCode == 0);
        // A password file works too (libpq's PGPASSFILE), and without either the server says no.
        env.remove(QStringLiteral("PGPASSWORD"));
        QFile passFile(dir.filePath(QStringLiteral("pgpass")));
        QVERIFY(passFile.open(QIODevice::WriteOnly));
        passFile.write(
            QStringLiteral("127.0.0.1:%1:*:keeper:%2\n").arg(m_server->port()).arg(QLatin1String(password)).toUtf8());
        passFile.close();
        passFile.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        env.insert(QStringLiteral("PGPASSFILE"), passFile.fileName());
        const QStringList status
            = { QStringLiteral("--workspace"), dir.filePath(QStringLiteral("ws")), QStringLiteral("status") };
        QCOMPARE(CliRunner::runRaw(status, env).exitCode, 0);
        env.remove(QStringLiteral("PGPASSFILE"));
        env.insert(QStringLiteral("PGPASSFILE"), dir.filePath(QStringLiteral("none")));
        const CliResult refused = CliRunner::runRaw(status, env);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("refused the password of user 'keeper'"), qPrintable(refused.describe()));
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("unreachable server") << "unreachable" << 3 << "cannot reach PostgreSQL at 127.0.0.1:";
        QTest::newRow("wrong password") << "password" << 1 << "refused the password of user 'keeper'";
        QTest::newRow("no such database") << "nodb" << 3 << "has no database";
        QTest::newRow("database of another program") << "foreign" << 1 << "tables of another program";
        QTest::newRow("newer schema") << "newer" << 1 << "newer than this Poolkeeper supports";
        QTest::newRow("bad URL") << "badurl" << 2 << "bad ConfigDb URL";
        QTest::newRow("poolkeeper.conf does not parse") << "badconf" << 1 << "poolkeeper.conf line 2";
        QTest::newRow("copy into a database that is not empty") << "copyfull" << 1 << "is not empty";
    }

    void badInput()
    {
        QFETCH(QString, setup);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        CliWorkspace w;
        const ConfigDbLocation db = database();
        QString url = db.url();
        QStringList args = { QStringLiteral("init"), QStringLiteral("--configdb"), QString() };
        if (setup == QLatin1String("unreachable")) {
            url = QStringLiteral("postgresql://postgres@127.0.0.1:1/%1").arg(db.database());
        } else if (setup == QLatin1String("password")) {
            url = urlWithPassword(db, QStringLiteral("keeper"), QStringLiteral("wrong"));
        } else if (setup == QLatin1String("nodb")) {
            url = QStringLiteral("postgresql://postgres@127.0.0.1:%1/nothing_here").arg(m_server->port());
        } else if (setup == QLatin1String("foreign")) {
            QVERIFY(m_server->runSql(db.database(), QStringLiteral("CREATE TABLE invoices (id int)")));
        } else if (setup == QLatin1String("newer")) {
            QVERIFY(w.cli.run({ QStringLiteral("init"), QStringLiteral("--configdb"), url }).exitCode == 0);
            QVERIFY(m_server->runSql(db.database(), QStringLiteral("UPDATE poolkeeper_schema SET version = 99")));
            QFile::remove(Workspace::configPath(w.ws()));
        } else if (setup == QLatin1String("badurl")) {
            url = QStringLiteral("postgresql://127.0.0.1");
        } else if (setup == QLatin1String("badconf")) {
            QVERIFY(w.setUp());
            QFile conf(Workspace::configPath(w.ws()));
            QVERIFY(conf.open(QIODevice::WriteOnly));
            conf.write("# settings\nconfigdb postgresql://h/d\n");
            conf.close();
            args = { QStringLiteral("status") };
        } else if (setup == QLatin1String("copyfull")) {
            QVERIFY(w.setUp());
            CliWorkspace other;
            QVERIFY(other.cli.run({ QStringLiteral("init"), QStringLiteral("--configdb"), url }).exitCode == 0);
            QVERIFY(other.cli.run({ QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("theirs") }).exitCode
                == 0);
            args = { QStringLiteral("configdb"), QStringLiteral("copy"), QStringLiteral("--to"), url };
        }
        if (args.size() == 3)
            args[2] = url;
        const QString confBefore = QFile::exists(Workspace::configPath(w.ws())) ? QString::fromUtf8([&] {
            QFile f(Workspace::configPath(w.ws()));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }())
                                                                                : QStringLiteral("<none>");
        const QString dbBefore = m_server->dump(db.database());
        const QString stateBefore = w.state();
        const CliResult result = w.cli.run(args);
        QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
        const QString err = QString::fromUtf8(result.err).trimmed();
        QVERIFY2(err.contains(message), qPrintable(result.describe()));
        QVERIFY2(!err.contains(u'\n'), "an error is one line");
        QVERIFY(!err.contains(QLatin1String("wrong")) || setup != QLatin1String("password"));
        QCOMPARE(m_server->dump(db.database()), dbBefore);
        QCOMPARE(w.state(), stateBefore);
        const QString confAfter = QFile::exists(Workspace::configPath(w.ws())) ? QString::fromUtf8([&] {
            QFile f(Workspace::configPath(w.ws()));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }())
                                                                               : QStringLiteral("<none>");
        QCOMPARE(confAfter, confBefore);
    }

    void environmentOverridesTheConf()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const ConfigDbLocation db = database();
        CliWorkspace other;
        QVERIFY(other.cli.run({ QStringLiteral("init"), QStringLiteral("--configdb"), db.url() }).exitCode == 0);
        QVERIFY(other.cli.run({ QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("elsewhere") }).exitCode
            == 0);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_CONFIGDB"), db.url());
        const CliResult pools = CliRunner::runRaw(
            { QStringLiteral("--workspace"), w.ws(), QStringLiteral("pool"), QStringLiteral("list") }, env);
        QVERIFY2(pools.exitCode == 0, qPrintable(pools.describe()));
        QVERIFY(pools.out.contains("elsewhere"));
        QVERIFY(!pools.out.contains("main"));
    }

    // Two processes read and write the same row at once, each in ConfigDb transactions: with
    // the write lock every increment counts.
    void twoProcessesLoseNoUpdate()
    {
        const ConfigDbLocation db = database();
        {
            auto created = ConfigDb::open(db, ConfigDb::OpenMode::Create);
            QVERIFY2(created, qPrintable(created.message()));
            QVERIFY(PoolRepo(**created).add(QStringLiteral("counter"), 80, 70, PoolMode::Review));
        }
        QList<QProcess*> processes;
        for (int i = 0; i < 2; ++i) {
            auto* process = new QProcess(this);
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("PK_TEST_INCREMENT_URL"), db.url());
            process->setProcessEnvironment(env);
            process->start(QCoreApplication::applicationFilePath(), {});
            processes.append(process);
        }
        for (QProcess* process : std::as_const(processes)) {
            QVERIFY(process->waitForFinished(120000));
            QCOMPARE(process->exitCode(), 0);
        }
        auto check = ConfigDb::open(db, ConfigDb::OpenMode::MustExist);
        QVERIFY(check);
        auto row = (*check)->queryRow(QStringLiteral("SELECT max_moves_out FROM pools WHERE name = 'counter'"));
        QVERIFY(row);
        QCOMPARE(row->value(0).toLongLong(), qint64(1 + 2 * incrementsPerProcess));
    }

    // A console elsewhere cannot see the storages' paths: the engine's recent samples stand for
    // them, and the log says plainly which path it could not read.
    void storagesOutOfReachShowTheEnginesSamples()
    {
        CliWorkspace w;
        const ConfigDbLocation db = database();
        QVERIFY(w.cli.runSteps({ { QStringLiteral("init"), QStringLiteral("--configdb"), db.url() },
            { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("main") } }));
        QVERIFY(QDir().mkpath(w.path(QStringLiteral("elsewhere/s1"))));
        QVERIFY(w.cli.runSteps({ { QStringLiteral("storage"), QStringLiteral("add"), QStringLiteral("main"),
            QStringLiteral("s1"), w.path(QStringLiteral("elsewhere/s1")) } }));
        // The path is only on the master server.
        QVERIFY(QDir(w.path(QStringLiteral("elsewhere"))).removeRecursively());
        const auto storageJson = [&] {
            const CliResult status = w.cli.run({ QStringLiteral("status"), QStringLiteral("--json") });
            return status.json()
                .object()
                .value(QLatin1String("pools"))
                .toArray()
                .at(0)
                .toObject()
                .value(QLatin1String("storages"))
                .toArray()
                .at(0)
                .toObject();
        };
        QCOMPARE(storageJson().value(QLatin1String("state")).toString(), QStringLiteral("offline"));
        {
            auto connection = ConfigDb::open(db, ConfigDb::OpenMode::MustExist);
            QVERIFY(connection);
            const qint64 id
                = (*connection)->queryRow(QStringLiteral("SELECT id FROM storages")).value().value(0).toLongLong();
            QVERIFY(SampleRepo(**connection)
                        .add({ CapacitySample { id, nowMs(), 0, qint64(3) * 1024 * 1024 * 1024, true } }));
        }
        const QJsonObject storage = storageJson();
        QCOMPARE(storage.value(QLatin1String("state")).toString(), QStringLiteral("online"));
        QCOMPARE(storage.value(QLatin1String("capacity_bytes")).toInteger(), qint64(3) * 1024 * 1024 * 1024);
        const CliResult log = w.cli.run({ QStringLiteral("log"), QStringLiteral("s1") });
        QCOMPARE(log.exitCode, 1);
        QVERIFY2(log.err.contains(w.path(QStringLiteral("elsewhere/s1")).toUtf8()), qPrintable(log.describe()));
    }

    void copyTheDemoWorkspace()
    {
        QTemporaryDir dir;
        const QString demo = dir.filePath(QStringLiteral("demo"));
        QVERIFY(CliRunner::runRaw({ QStringLiteral("demo"), demo }).exitCode == 0);
        CliRunner cli(demo);
        const QByteArray usersBefore = cli.run({ QStringLiteral("users"), QStringLiteral("--json") }).out;
        const QByteArray statusBefore = cli.run({ QStringLiteral("status"), QStringLiteral("--json") }).out;
        auto sqlite = ConfigDb::open(Workspace::configDbPath(demo), ConfigDb::OpenMode::MustExist);
        QVERIFY(sqlite);
        const auto digestsBefore = ConfigDbCopier::digest(**sqlite).value();
        sqlite->reset();

        const ConfigDbLocation db = database(QStringLiteral("demo"));
        const CliResult copy
            = cli.run({ QStringLiteral("configdb"), QStringLiteral("copy"), QStringLiteral("--to"), db.url() });
        QVERIFY2(copy.exitCode == 0, qPrintable(copy.describe()));
        QVERIFY(copy.out.contains("counts and checksums match"));
        QVERIFY(Workspace::configDbLocation(demo).value().isPostgres());
        QCOMPARE(cli.run({ QStringLiteral("users"), QStringLiteral("--json") }).out, usersBefore);
        QCOMPARE(cli.run({ QStringLiteral("status"), QStringLiteral("--json") }).out, statusBefore);
        auto postgres = ConfigDb::open(db, ConfigDb::OpenMode::MustExist);
        QVERIFY(postgres);
        const auto digestsAfter = ConfigDbCopier::digest(**postgres).value();
        QCOMPARE(digestsAfter.size(), digestsBefore.size());
        for (qsizetype i = 0; i < digestsAfter.size(); ++i) {
            QCOMPARE(digestsAfter.at(i).rows, digestsBefore.at(i).rows);
            QCOMPARE(digestsAfter.at(i).checksum, digestsBefore.at(i).checksum);
        }
        // New rows get new ids after the copied ones, and the pool balances on PostgreSQL.
        const CliResult balance
            = cli.run({ QStringLiteral("balance"), QStringLiteral("demo"), QStringLiteral("--wait") });
        QVERIFY2(balance.exitCode == 0, qPrintable(balance.describe()));
        QVERIFY(cli.run({ QStringLiteral("status") }).out.contains("balanced"));
    }
};

int main(int argc, char* argv[])
{
    const QString url = qEnvironmentVariable("PK_TEST_INCREMENT_URL");
    if (!url.isEmpty()) {
        QCoreApplication app(argc, argv);
        return runIncrements(url);
    }
    QCoreApplication app(argc, argv);
    TestShared test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_shared.moc"
