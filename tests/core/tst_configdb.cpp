// ConfigDb: schema creation and migration, refusal of foreign or newer databases without touching
// them, transactions, and concurrent writers sharing the file as a GUI and a CLI do.

#include "clirunner.h"
#include "configdb/claimrepo.h"
#include "configdb/configdb.h"
#include "configdb/poolrepo.h"
#include "configdb/schema.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "testtree.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

#include <thread>
#include <unistd.h>

using namespace pk;

namespace {

// Runs raw SQL through a private connection, as another program would.
void rawSql(const QString& path, const QStringList& statements)
{
    const QString name = QStringLiteral("raw-%1").arg(quintptr(&statements));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        for (const QString& statement : statements)
            QVERIFY2(query.exec(statement), qPrintable(statement));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

QByteArray fileBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Files of the database this process still has open although they were unlinked: what a
// connection writes there is invisible to every other process and lost at a crash.
QStringList deletedDatabaseFilesOpen()
{
    QStringList deleted;
    const QDir fds(QStringLiteral("/proc/self/fd"));
    for (const QString& fd : fds.entryList(QDir::System | QDir::Files | QDir::NoDotAndDotDot)) {
        const QString target = QFile::symLinkTarget(fds.filePath(fd));
        if (target.contains(QLatin1String("configdb.sqlite")) && target.endsWith(QLatin1String(" (deleted)")))
            deleted.append(target);
    }
    return deleted;
}

QStringList poolNames(const test::CliResult& result)
{
    QStringList names;
    const QJsonArray pools = result.json().array();
    for (const auto& pool : pools)
        names.append(pool.toObject().value(QLatin1String("name")).toString());
    return names;
}

} // namespace

class TestConfigDb : public QObject
{
    Q_OBJECT
private slots:
    void createsSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::Create);
        QVERIFY2(db, qPrintable(db.message()));
        QCOMPARE((*db)->schemaVersion(), ConfigDb::latestSchemaVersion());
        auto mode = (*db)->queryRow(QStringLiteral("PRAGMA journal_mode"));
        QCOMPARE(mode->value(0).toString(), QStringLiteral("wal"));
        auto keys = (*db)->queryRow(QStringLiteral("PRAGMA foreign_keys"));
        QCOMPARE(keys->value(0).toInt(), 1);
        auto appId = (*db)->queryRow(QStringLiteral("PRAGMA application_id"));
        QCOMPARE(appId->value(0).toInt(), schema::applicationId);
        for (const char* table : { "pools", "storages", "users", "snapshots" }) {
            auto row = (*db)->queryRow(
                QStringLiteral("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?"),
                { QString::fromLatin1(table) });
            QCOMPARE(row->value(0).toInt(), 1);
        }
    }

    void mustExistReportsNotFound()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY(!db);
        QCOMPARE(db.error().code, ErrorCode::NotFound);
        QVERIFY(db.message().contains(QLatin1String("poolkeeper-cli init")));
        QVERIFY(!QFile::exists(path));
    }

    void reopenKeepsData()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        {
            auto db = ConfigDb::open(path, ConfigDb::OpenMode::Create);
            QVERIFY(PoolRepo(**db).add(QStringLiteral("main"), 85, 60, PoolMode::Automatic));
        }
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY(db);
        auto pool = PoolRepo(**db).byName(QStringLiteral("main"));
        QVERIFY(pool);
        QCOMPARE(pool->highPercent, 85.0);
        QCOMPARE(pool->lowPercent, 60.0);
        QVERIFY(pool->mode == PoolMode::Automatic);
    }

    void refusesFileThatIsNotSqlite_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("text") << QByteArray("this is not a database\n");
        QTest::newRow("binary") << QByteArray(4096, '\x7f');
        QTest::newRow("almost a header") << QByteArray("SQLite format 2\0junk", 20);
    }
    void refusesFileThatIsNotSqlite()
    {
        QFETCH(QByteArray, content);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY(!db);
        QVERIFY2(db.message().contains(QLatin1String("not an SQLite database")), qPrintable(db.message()));
        QCOMPARE(fileBytes(path), content);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    }

    void refusesNewerSchemaUntouched()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        {
            QVERIFY(ConfigDb::open(path, ConfigDb::OpenMode::Create));
        }
        rawSql(path, { QStringLiteral("PRAGMA user_version = %1").arg(ConfigDb::latestSchemaVersion() + 1) });
        const QByteArray before = fileBytes(path);
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY(!db);
        QVERIFY2(db.message().contains(QLatin1String("newer")), qPrintable(db.message()));
        QVERIFY(db.message().contains(QLatin1String("upgrade Poolkeeper")));
        QCOMPARE(fileBytes(path), before);
    }

    void refusesOtherProgramsDatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        rawSql(path,
            { QStringLiteral("CREATE TABLE photos (id INTEGER PRIMARY KEY, title TEXT)"),
                QStringLiteral("INSERT INTO photos (title) VALUES ('x')") });
        const QByteArray before = fileBytes(path);
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY(!db);
        QVERIFY2(db.message().contains(QLatin1String("another program")), qPrintable(db.message()));
        QCOMPARE(fileBytes(path), before);
    }

    void migratesEmptyDatabaseStepByStep()
    {
        // An empty SQLite file made by hand is migrated from version 0 through every step.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        rawSql(path,
            { QStringLiteral("PRAGMA user_version = 0"), QStringLiteral("CREATE TABLE IF NOT EXISTS dummy_probe (x)"),
                QStringLiteral("DROP TABLE dummy_probe") });
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY2(db, qPrintable(db.message()));
        QCOMPARE((*db)->schemaVersion(), ConfigDb::latestSchemaVersion());
    }

    void transactionRollsBackOnError()
    {
        QTemporaryDir dir;
        auto db = ConfigDb::open(dir.filePath(QStringLiteral("c.sqlite")), ConfigDb::OpenMode::Create);
        const Status status = (*db)->transaction([&]() -> Status {
            auto pool = PoolRepo(**db).add(QStringLiteral("first"), 80, 70, PoolMode::Review);
            if (!pool)
                return pool.error();
            return failed(QStringLiteral("something later failed"));
        });
        QVERIFY(!status);
        auto pools = PoolRepo(**db).list();
        QVERIFY(pools);
        QVERIFY(pools->isEmpty());
    }

    void watermarkValidation_data()
    {
        QTest::addColumn<double>("high");
        QTest::addColumn<double>("low");
        QTest::addColumn<bool>("ok");
        QTest::newRow("defaults") << 80.0 << 70.0 << true;
        QTest::newRow("edges") << 100.0 << 0.0 << true;
        QTest::newRow("low equals high") << 70.0 << 70.0 << false;
        QTest::newRow("low above high") << 60.0 << 70.0 << false;
        QTest::newRow("high over 100") << 101.0 << 70.0 << false;
        QTest::newRow("high zero") << 0.0 << 0.0 << false;
        QTest::newRow("low negative") << 80.0 << -1.0 << false;
    }
    void watermarkValidation()
    {
        QFETCH(double, high);
        QFETCH(double, low);
        QFETCH(bool, ok);
        QTemporaryDir dir;
        auto db = ConfigDb::open(dir.filePath(QStringLiteral("c.sqlite")), ConfigDb::OpenMode::Create);
        auto pool = PoolRepo(**db).add(QStringLiteral("p"), high, low, PoolMode::Review);
        QCOMPARE(pool.isOk(), ok);
        if (!ok) {
            QCOMPARE(pool.error().code, ErrorCode::Usage);
            QVERIFY(PoolRepo(**db).list()->isEmpty());
        }
    }

    void concurrentWritersAllLand()
    {
        // Two connections in two threads, as the console's engine and a CLI share the file.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        {
            QVERIFY(ConfigDb::open(path, ConfigDb::OpenMode::Create));
        }
        constexpr int perThread = 60;
        std::atomic<int> failures { 0 };
        auto writer = [&](int id) {
            auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
            if (!db) {
                ++failures;
                return;
            }
            for (int i = 0; i < perThread; ++i) {
                if (!PoolRepo(**db).add(QStringLiteral("pool-%1-%2").arg(id).arg(i), 80, 70, PoolMode::Review))
                    ++failures;
            }
        };
        std::thread a(writer, 1), b(writer, 2);
        a.join();
        b.join();
        QCOMPARE(failures.load(), 0);
        auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QCOMPARE(PoolRepo(**db).list()->size(), 2 * perThread);
    }

    void consoleConnectionsSurviveCliProcesses()
    {
        // The console keeps several connections open (the engine's, a scan's, a job's) while CLI
        // processes come and go. Opening one more connection must not drop the locks of the
        // others (POSIX locks die with any close of the file in the process), or a CLI process
        // believes it is the last user and deletes the WAL under the console's feet.
        QTemporaryDir dir;
        const QString workspace = dir.filePath(QStringLiteral("ws"));
        const test::CliRunner cli(workspace);
        QCOMPARE(cli.run({ QStringLiteral("init") }).exitCode, 0);
        const QString path = workspace + QStringLiteral("/configdb.sqlite");
        std::vector<std::unique_ptr<ConfigDb>> console;
        for (int i = 0; i < 3; ++i) {
            auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
            QVERIFY2(db, qPrintable(db.message()));
            console.push_back(std::move(*db));
            QVERIFY(PoolRepo(*console.back()).add(QStringLiteral("console-%1").arg(i), 80, 70, PoolMode::Review));

            const auto added
                = cli.run({ QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("cli-%1").arg(i) });
            QVERIFY2(added.exitCode == 0, qPrintable(added.describe()));
            const auto listed = cli.run({ QStringLiteral("pool"), QStringLiteral("list"), QStringLiteral("--json") });
            QVERIFY2(listed.exitCode == 0, qPrintable(listed.describe()));
            QCOMPARE(deletedDatabaseFilesOpen(), QStringList());
            // Every write of each side is seen by the other.
            const QStringList names = poolNames(listed);
            for (int j = 0; j <= i; ++j) {
                QVERIFY2(names.contains(QStringLiteral("console-%1").arg(j)), qPrintable(names.join(u' ')));
                for (const auto& connection : console)
                    QVERIFY(PoolRepo(*connection).byName(QStringLiteral("cli-%1").arg(j)));
            }
        }
        QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
    }

    void quotaIsEnforcedAtomically()
    {
        QTemporaryDir dir;
        auto db = ConfigDb::open(dir.filePath(QStringLiteral("c.sqlite")), ConfigDb::OpenMode::Create);
        auto pool = PoolRepo(**db).add(QStringLiteral("p"), 80, 70, PoolMode::Review);
        StorageRepo storages(**db);
        auto storage = storages.add(pool->id, QStringLiteral("s"), dir.path(), QStringLiteral("uuid-1"), qint64(1000));
        QVERIFY2(storage, qPrintable(storage.message()));
        QCOMPARE(*storages.addUsedBytes(storage->id, 600), true);
        QCOMPARE(*storages.addUsedBytes(storage->id, 401), false);
        QCOMPARE(storages.byId(storage->id)->usedBytes, qint64(600));
        QCOMPARE(*storages.addUsedBytes(storage->id, 400), true);
        QCOMPARE(*storages.addUsedBytes(storage->id, -2000), true);
        QCOMPARE(storages.byId(storage->id)->usedBytes, qint64(0));
    }

    void userNamesWithUnicodeAndSpaces_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("ok");
        QTest::newRow("plain") << "alice" << true;
        QTest::newRow("spaces") << "Alice Smith" << true;
        QTest::newRow("unicode") << "Zoë Ångström 日本" << true;
        QTest::newRow("quote and slash") << "o'brien/dept" << true;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("blank") << "   " << false;
        QTest::newRow("newline") << "a\nb" << false;
    }
    void userNamesWithUnicodeAndSpaces()
    {
        QFETCH(QString, name);
        QFETCH(bool, ok);
        QTemporaryDir dir;
        auto db = ConfigDb::open(dir.filePath(QStringLiteral("c.sqlite")), ConfigDb::OpenMode::Create);
        auto pool = PoolRepo(**db).add(QStringLiteral("p"), 80, 70, PoolMode::Review);
        auto storage
            = StorageRepo(**db).add(pool->id, QStringLiteral("s"), dir.path(), QStringLiteral("u"), std::nullopt);
        UserRepo users(**db);
        auto user = users.create(name, QStringLiteral("uuid-x"), storage->id);
        QCOMPARE(user.isOk(), ok);
        if (ok)
            QCOMPARE(users.byName(name)->name, name);
    }

    // A backup's claim is taken for dead only when its process is gone on this machine; another
    // machine's process (a shared ConfigDb) cannot be checked from here and is left alone.
    void claimOfAnotherHostIsNeverTakenForDead_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("alivePid");
        QTest::addColumn<bool>("gone");
        const QString here = QSysInfo::machineHostName();
        QTest::newRow("here, dead") << here << false << true;
        QTest::newRow("here, alive") << here << true << false;
        QTest::newRow("earlier version, dead") << QString() << false << true;
        QTest::newRow("elsewhere, no such pid here") << QStringLiteral("another-host.example") << false << false;
    }

    void claimOfAnotherHostIsNeverTakenForDead()
    {
        QFETCH(QString, host);
        QFETCH(bool, alivePid);
        QFETCH(bool, gone);
        ClaimRecord claim;
        claim.kind = claimKind::backup;
        claim.ownerHost = host;
        // A pid that does not exist: above the kernel's limit.
        claim.ownerPid = alivePid ? qint64(::getppid()) : qint64(1) << 30;
        QCOMPARE(claim.ownerIsGone(), gone);
    }
};

QTEST_GUILESS_MAIN(TestConfigDb)
#include "tst_configdb.moc"
