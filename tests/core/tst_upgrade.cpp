// Upgrades: a ConfigDb of every earlier schema version opens and is migrated in place without
// loss; storages and manifests of another format version are refused with a clear message.

#include "clirunner.h"
#include "configdb/configdb.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "storage/storageroot.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

class TestUpgrade : public QObject
{
    Q_OBJECT
private slots:
    void schemaOneIsMigratedWithoutLoss()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("configdb.sqlite"));
        QVERIFY(QFile::copy(QStringLiteral(POOLKEEPER_SOURCE_DIR "/tests/data/configdb-v1.sqlite"), path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        {
            auto db = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
            QVERIFY2(db, qPrintable(db.message()));
            QCOMPARE((*db)->schemaVersion(), ConfigDb::latestSchemaVersion());
            const PoolRecord pool = PoolRepo(**db).byName(QStringLiteral("main")).value();
            QCOMPARE(pool.highPercent, 85.0);
            QCOMPARE(pool.lowPercent, 60.0);
            QVERIFY(pool.mode == PoolMode::Automatic);
            // Columns that came later have their defaults.
            QCOMPARE(pool.maxRateBytes, qint64(0));
            QCOMPARE(pool.maxMovesOut, 1);
            QCOMPARE(pool.maxMovesIn, 1);
            const QList<StorageRecord> storages = StorageRepo(**db).list().value();
            QCOMPARE(storages.size(), 2);
            QCOMPARE(storages.at(0).quotaBytes.value_or(0), qint64(1073741824));
            QVERIFY(!storages.at(1).quotaBytes.has_value());
            QCOMPARE(storages.at(0).usedBytes, qint64(900000000));
            const UserRecord zoe = UserRepo(**db).byName(QStringLiteral("Zoë Ångström")).value();
            QCOMPARE(zoe.bytes, qint64(500000000));
            QCOMPARE(zoe.snapshotCount, 2);
            QCOMPARE(zoe.storageName, QStringLiteral("store-a"));
            QCOMPARE(
                UserRepo(**db).snapshots(zoe.id)->constLast().snapshotId, QStringLiteral("20251125-101500-000-bbbbbb"));
            // The engine's tables exist and work.
            QVERIFY(JobRepo(**db).list()->isEmpty());
            auto job
                = JobRepo(**db).create(JobKind::Balance, 0, zoe.id, storages.at(0).id, storages.at(1).id, zoe.bytes);
            QVERIFY2(job, qPrintable(job.message()));
        }
        // Opening again is a no-op.
        auto again = ConfigDb::open(path, ConfigDb::OpenMode::MustExist);
        QVERIFY(again);
        QCOMPARE(JobRepo(**again).list()->size(), 1);
        QCOMPARE(UserRepo(**again).list()->size(), 2);
    }

    void cliReadsAnUpgradedWorkspace()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath(QStringLiteral("ws")));
        const QString path = dir.filePath(QStringLiteral("ws/configdb.sqlite"));
        QVERIFY(QFile::copy(QStringLiteral(POOLKEEPER_SOURCE_DIR "/tests/data/configdb-v1.sqlite"), path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        CliRunner cli(dir.filePath(QStringLiteral("ws")));
        const CliResult users = cli.run({ QStringLiteral("users"), QStringLiteral("--json") });
        QVERIFY2(users.exitCode == 0, qPrintable(users.describe()));
        QCOMPARE(users.json().array().size(), 2);
        const CliResult status = cli.run({ QStringLiteral("status"), QStringLiteral("--json") });
        QCOMPARE(status.exitCode, 0);
        // The storages of the fixture are not mounted here: they show as offline.
        const QJsonArray storages = status.json()
                                        .object()
                                        .value(QLatin1String("pools"))
                                        .toArray()
                                        .at(0)
                                        .toObject()
                                        .value(QLatin1String("storages"))
                                        .toArray();
        QCOMPARE(storages.at(0).toObject().value(QLatin1String("state")).toString(), QStringLiteral("offline"));
    }

    void storageFormatVersions_data()
    {
        QTest::addColumn<int>("format");
        QTest::addColumn<QString>("message"); // empty: readable
        QTest::newRow("current") << 1 << "";
        QTest::newRow("newer") << 2 << "written by a newer Poolkeeper";
        QTest::newRow("unknown") << 0 << "unknown format version";
    }
    void storageFormatVersions()
    {
        QFETCH(int, format);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("storage.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            QStringLiteral(R"({"format": %1, "storage_id": "x-1", "name": "s", "pool": "p"})").arg(format).toUtf8());
        file.close();
        auto identity = StorageRoot::readIdentity(dir.path());
        QCOMPARE(identity.isOk(), message.isEmpty());
        if (!message.isEmpty())
            QVERIFY2(identity.message().contains(message), qPrintable(identity.message()));
        auto opened = StorageRoot::open(dir.path(), QStringLiteral("x-1"), QStringLiteral("s"));
        QCOMPARE(opened.isOk(), message.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestUpgrade)
#include "tst_upgrade.moc"
