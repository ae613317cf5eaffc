// Support bundles: a consistent ConfigDb copy, every storage's migration log with its rotations,
// scans, plans, jobs, alerts and versions -- and never any backup data.

#include "archive/archivereader.h"
#include "balance/balancer.h"
#include "clirunner.h"
#include "configdb/configdb.h"
#include "configdb/poolrepo.h"
#include "configdb/userrepo.h"
#include "engine/supportbundle.h"
#include "logs/migrationlog.h"
#include "poolfixture.h"
#include "testtree.h"
#include "util/sizes.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace pk;
using namespace pk::test;

class TestBundle : public QObject
{
    Q_OBJECT
private slots:
    void bundleHoldsWhatSupportNeedsAndNoBackupData()
    {
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QByteArray secret = "SECRET-CONTENT-OF-A-USER-FILE-42";
        const QString source = fixture.scratch(QStringLiteral("home"));
        QDir().mkpath(source);
        QFile file(source + QStringLiteral("/diary.txt"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 1000; ++i)
            file.write(secret + '\n');
        file.close();
        QVERIFY(fixture.master().backup(QStringLiteral("alice"), source, QString()));
        // Logs on s1 with rotations: a small rotation size makes .1 and .2.gz.
        MigrationLog::Options options;
        options.rotateBytes = 2000;
        MigrationLog log(fixture.storagePath(QStringLiteral("s1")), options);
        for (int i = 0; i < 200; ++i)
            QVERIFY(log.append(LogRecord::now(LogLevel::Info, QStringLiteral("line %1").arg(i))));
        QVERIFY(QFile::exists(fixture.storagePath(QStringLiteral("s1")) + QStringLiteral("/inSyncMigration.log.2.gz")));
        QVERIFY(Balancer(fixture.db()).scan(PoolRepo(fixture.db()).byName(QStringLiteral("main")).value()));

        const QString out = fixture.scratch(QStringLiteral("bundle.tar.gz"));
        auto result = SupportBundle::write(fixture.master(), out);
        QVERIFY2(result, qPrintable(result.message()));

        ArchiveReader reader;
        QVERIFY(reader.open(out));
        QStringList names;
        QHash<QString, QByteArray> contents;
        ArchiveEntry entry;
        for (;;) {
            auto more = reader.next(entry);
            QVERIFY2(more, qPrintable(more.message()));
            if (!*more)
                break;
            const QString name = entry.name.section(u'/', 1);
            names.append(name);
            auto data = reader.readAll(64 * MiB);
            QVERIFY(data);
            contents.insert(name, *data);
            QVERIFY2(!data->contains(secret), qPrintable(QStringLiteral("backup data in %1").arg(name)));
            QVERIFY(!name.contains(QLatin1String("chunks")) && !name.contains(QLatin1String("snapshots/")));
        }
        for (const char* expected : { "configdb.sqlite", "versions.json", "scans.json", "plans.json", "jobs.json",
                 "alerts.json", "storages.json", "storages/s1/inSyncMigration.log", "storages/s1/inSyncMigration.log.1",
                 "storages/s1/inSyncMigration.log.2.gz" })
            QVERIFY2(names.contains(QLatin1String(expected)), expected);
        QCOMPARE(QJsonDocument::fromJson(contents.value(QStringLiteral("versions.json")))
                     .object()
                     .value(QLatin1String("configdb_schema"))
                     .toInt(),
            ConfigDb::latestSchemaVersion());
        QCOMPARE(QJsonDocument::fromJson(contents.value(QStringLiteral("scans.json"))).array().size(), 1);

        // The ConfigDb copy is a working database with the user in it.
        const QString copy = fixture.scratch(QStringLiteral("copy.sqlite"));
        QFile copyFile(copy);
        QVERIFY(copyFile.open(QIODevice::WriteOnly));
        copyFile.write(contents.value(QStringLiteral("configdb.sqlite")));
        copyFile.close();
        auto db = ConfigDb::open(copy, ConfigDb::OpenMode::MustExist);
        QVERIFY2(db, qPrintable(db.message()));
        QCOMPARE(UserRepo(**db).byName(QStringLiteral("alice"))->snapshotCount, 1);
    }

    void cliRefusesBadTargets()
    {
        PoolFixture fixture;
        CliRunner cli(fixture.workspace());
        const QString out = fixture.scratch(QStringLiteral("b.tar.gz"));
        QCOMPARE(cli.run({ QStringLiteral("bundle"), out }).exitCode, 0);
        const CliResult again = cli.run({ QStringLiteral("bundle"), out });
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("already exists"));
        QCOMPARE(
            cli.run({ QStringLiteral("bundle"), fixture.scratch(QStringLiteral("no/such/dir/b.tar.gz")) }).exitCode, 3);
        QCOMPARE(cli.run({ QStringLiteral("bundle") }).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestBundle)
#include "tst_bundle.moc"
