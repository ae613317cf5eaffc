// Backup and restore through the Master on real directories and a real ConfigDb: byte-identical
// round trips, deduplication, quota, damaged data, hostile manifests and swapped storage paths.

#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "poolfixture.h"
#include "storage/backupjob.h"
#include "storage/userstore.h"
#include "testtree.h"
#include "util/sizes.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <unistd.h>

using namespace pk;
using namespace pk::test;

namespace {

UserStore storeOf(PoolFixture& fixture, const QString& userName)
{
    const UserRecord user = fixture.user(userName);
    return fixture.master().userStore(user).value();
}

qint64 diskBytesOfStorage(const QString& root)
{
    qint64 total = 0;
    for (const QString& dir : QDir(root + QStringLiteral("/users")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        total += UserStore(StorageRoot(root), dir).diskUsage().value();
    return total;
}

TreeSpec smallSpec(quint32 seed)
{
    TreeSpec spec;
    spec.files = 60;
    spec.directories = 8;
    spec.bigFiles = 1;
    spec.bigFileSize = 5 * MiB;
    spec.seed = seed;
    return spec;
}

} // namespace

class TestBackupRestore : public QObject
{
    Q_OBJECT
private slots:
    void roundTripOfGeneratedTree()
    {
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        TreeSpec spec;
        spec.files = 3000;
        spec.directories = 150;
        spec.smallFileMax = 16 * KiB;
        spec.bigFiles = 2;
        spec.bigFileSize = 9 * MiB;
        spec.symlinks = 12;
        spec.emptyFiles = 25;
        const TreeStats stats = generateTree(source, spec);

        const QString user = QStringLiteral("Zoë Ångström (tree)");
        auto backup = fixture.master().backup(user, source, QString());
        QVERIFY2(backup, qPrintable(backup.message()));
        QCOMPARE(backup->result.files, qint64(stats.files));
        QCOMPARE(backup->result.logicalBytes, stats.bytes);
        QVERIFY(backup->result.warnings.isEmpty());
        QVERIFY(backup->newUser);

        const QString target = fixture.scratch(QStringLiteral("restored"));
        auto restore = fixture.master().restore(user, target, QString(), {});
        QVERIFY2(restore, qPrintable(restore.message()));
        QCOMPARE(restore->files, qint64(stats.files));
        const QStringList differences = compareTrees(source, target);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.mid(0, 10).join(u'\n')));

        auto report = fixture.master().verify(user, true);
        QVERIFY(report);
        QVERIFY2(report->consistent(), qPrintable(report->problems.join(u'\n')));
        QCOMPARE(report->snapshots, 1);

        // ConfigDb's accounting equals what is on disk.
        const StorageRecord storage = fixture.storage(backup->storageName);
        QCOMPARE(storage.usedBytes, diskBytesOfStorage(storage.rootPath));
        QCOMPARE(fixture.user(user).bytes, storeOf(fixture, user).diskUsage().value());
        QCOMPARE(fixture.user(user).snapshotCount, 1);
    }

    void secondBackupDeduplicates()
    {
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        generateTree(source, smallSpec(2));
        auto first = fixture.master().backup(QStringLiteral("bob"), source, QString());
        QVERIFY2(first, qPrintable(first.message()));
        const qint64 usedAfterFirst = fixture.storage(first->storageName).usedBytes;

        auto second = fixture.master().backup(QStringLiteral("bob"), source, QString());
        QVERIFY2(second, qPrintable(second.message()));
        QVERIFY(!second->newUser);
        QCOMPARE(second->storageName, first->storageName);
        QCOMPARE(second->result.chunksAdded, qint64(0));
        QVERIFY(second->result.chunksReused > 0);
        // Only the new manifest was stored.
        const qint64 manifestBytes
            = QFileInfo(storeOf(fixture, QStringLiteral("bob")).manifestPath(second->result.snapshotId)).size();
        QCOMPARE(second->result.addedBytes, manifestBytes);
        QCOMPARE(fixture.storage(first->storageName).usedBytes, usedAfterFirst + manifestBytes);
        QCOMPARE(fixture.user(QStringLiteral("bob")).snapshotCount, 2);

        // A small change in the middle of a big file stores only the chunks around it.
        QFile big(source + QStringLiteral("/big0.bin"));
        QVERIFY(big.open(QIODevice::ReadWrite));
        big.seek(2 * MiB);
        big.write("changed!");
        big.close();
        auto third = fixture.master().backup(QStringLiteral("bob"), source, QString());
        QVERIFY2(third, qPrintable(third.message()));
        QVERIFY2(third->result.chunksAdded >= 1 && third->result.chunksAdded <= 2,
            qPrintable(QString::number(third->result.chunksAdded)));

        // Every snapshot restores to what it was; the older one too.
        const QString target = fixture.scratch(QStringLiteral("latest"));
        QVERIFY(fixture.master().restore(QStringLiteral("bob"), target, QString(), {}));
        const QStringList differences = compareTrees(source, target, false);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));
        const QString older = fixture.scratch(QStringLiteral("older"));
        QVERIFY(fixture.master().restore(QStringLiteral("bob"), older, first->result.snapshotId, {}));
        QFile restoredBig(older + QStringLiteral("/big0.bin"));
        QVERIFY(restoredBig.open(QIODevice::ReadOnly));
        restoredBig.seek(2 * MiB);
        QVERIFY(restoredBig.read(8) != QByteArray("changed!"));
    }

    void quotaExhaustionFailsCleanly_data()
    {
        QTest::addColumn<bool>("existingUser");
        QTest::newRow("new user") << false;
        QTest::newRow("existing user") << true;
    }
    void quotaExhaustionFailsCleanly()
    {
        QFETCH(bool, existingUser);
        PoolFixture fixture({ { QStringLiteral("small"), 12 * MiB } });
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QString user = QStringLiteral("carol");
        if (existingUser) {
            const QString first = fixture.scratch(QStringLiteral("first"));
            QDir().mkpath(first);
            writeRandomFile(first + QStringLiteral("/a.bin"), 3 * MiB, 1);
            QVERIFY(fixture.master().backup(user, first, QString()));
        }
        const StorageRecord before = fixture.storage(QStringLiteral("small"));
        const QByteArray fingerprintBefore = fingerprint(before.rootPath);

        const QString big = fixture.scratch(QStringLiteral("big"));
        QDir().mkpath(big);
        for (int i = 0; i < 4; ++i)
            writeRandomFile(big + QStringLiteral("/part%1.bin").arg(i), 4 * MiB, 10 + i);
        auto backup = fixture.master().backup(user, big, QString());
        QVERIFY(!backup);
        QCOMPARE(backup.error().code, ErrorCode::Failed);
        QVERIFY2(backup.message().contains(QLatin1String("quota")) || backup.message().contains(QLatin1String("full")),
            qPrintable(backup.message()));

        const StorageRecord after = fixture.storage(QStringLiteral("small"));
        QCOMPARE(after.usedBytes, before.usedBytes);
        QCOMPARE(fingerprint(after.rootPath), fingerprintBefore);
        auto users = UserRepo(fixture.db()).find(user);
        QCOMPARE(users->has_value(), existingUser);
        if (existingUser)
            QCOMPARE(fixture.user(user).snapshotCount, 1);
    }

    void damagedChunksAreFound_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<bool>("foundByShallowCheck");
        QTest::addColumn<QString>("message");
        QTest::newRow("flipped byte") << "flip" << false << "wrong hash";
        QTest::newRow("truncated") << "truncate" << true << "wrong size";
        QTest::newRow("deleted") << "delete" << true << "missing";
    }
    void damagedChunksAreFound()
    {
        QFETCH(QString, damage);
        QFETCH(bool, foundByShallowCheck);
        QFETCH(QString, message);
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        writeRandomFile(source + QStringLiteral("/data.bin"), 2 * MiB, 4);
        QVERIFY(fixture.master().backup(QStringLiteral("dave"), source, QString()));
        const UserStore store = storeOf(fixture, QStringLiteral("dave"));
        const Manifest manifest = store.readManifest(store.snapshotIds()->constLast()).value();
        const QString chunk = store.chunkPath(manifest.entries.constFirst().chunks.constFirst().hash);
        QFile::setPermissions(chunk, QFile::ReadOwner | QFile::WriteOwner);
        if (damage == QLatin1String("flip")) {
            QFile file(chunk);
            QVERIFY(file.open(QIODevice::ReadWrite));
            file.seek(1000);
            const char c = file.read(1).at(0);
            file.seek(1000);
            file.write(QByteArray(1, static_cast<char>(c ^ 0x55)));
        } else if (damage == QLatin1String("truncate")) {
            QVERIFY(QFile::resize(chunk, 100));
        } else {
            QVERIFY(QFile::remove(chunk));
        }

        auto shallow = fixture.master().verify(QStringLiteral("dave"), false);
        QVERIFY(shallow);
        QCOMPARE(!shallow->consistent(), foundByShallowCheck);
        auto deep = fixture.master().verify(QStringLiteral("dave"), true);
        QVERIFY(deep);
        QVERIFY(!deep->consistent());
        QVERIFY2(deep->problems.join(u'\n').contains(message), qPrintable(deep->problems.join(u'\n')));
        QVERIFY(deep->problems.join(u'\n').contains(QLatin1String("data.bin")));

        const QString target = fixture.scratch(QStringLiteral("out"));
        auto restore = fixture.master().restore(QStringLiteral("dave"), target, QString(), {});
        QVERIFY(!restore);
        QVERIFY2(restore.message().contains(message), qPrintable(restore.message()));
    }

    void corruptManifestIsReported()
    {
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        writeRandomFile(source + QStringLiteral("/x"), 1000, 1);
        auto backup = fixture.master().backup(QStringLiteral("erin"), source, QString());
        QVERIFY(backup);
        const UserStore store = storeOf(fixture, QStringLiteral("erin"));
        const QString path = store.manifestPath(backup->result.snapshotId);
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        QVERIFY(QFile::resize(path, QFileInfo(path).size() / 2));
        auto report = fixture.master().verify(QStringLiteral("erin"), false);
        QVERIFY(report);
        QVERIFY(!report->consistent());
        QVERIFY2(report->problems.constFirst().contains(QLatin1String("corrupt")),
            qPrintable(report->problems.constFirst()));
        auto restore = fixture.master().restore(
            QStringLiteral("erin"), fixture.scratch(QStringLiteral("out")), QString(), {});
        QVERIFY(!restore);
        QVERIFY(restore.message().contains(QLatin1String("corrupt")));
        QVERIFY(!QFileInfo::exists(fixture.scratch(QStringLiteral("out")) + QStringLiteral("/x")));
    }

    void hostileManifestCannotEscape()
    {
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source + QStringLiteral("/docs"));
        writeRandomFile(source + QStringLiteral("/docs/file"), 5000, 2);
        auto backup = fixture.master().backup(QStringLiteral("frank"), source, QString());
        QVERIFY(backup);
        const UserStore store = storeOf(fixture, QStringLiteral("frank"));

        // A manifest rewritten to point outside the target is refused before anything is written.
        Manifest manifest = store.readManifest(backup->result.snapshotId).value();
        QByteArray json = manifest.toJson();
        json.replace("\"docs/file\"", "\"../../escaped\"");
        const QString path = store.manifestPath(backup->result.snapshotId);
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(json);
        file.close();
        const QString target = fixture.scratch(QStringLiteral("target"));
        auto restore = fixture.master().restore(QStringLiteral("frank"), target, QString(), {});
        QVERIFY(!restore);
        QVERIFY2(restore.message().contains(QLatin1String("unsafe path")), qPrintable(restore.message()));
        QVERIFY(!QFileInfo::exists(fixture.scratch(QStringLiteral("escaped"))));
        QVERIFY(!QFileInfo::exists(fixture.root() + QStringLiteral("/escaped")));
    }

    void symlinkInTargetCannotRedirectWrites()
    {
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source + QStringLiteral("/docs"));
        writeRandomFile(source + QStringLiteral("/docs/file"), 5000, 3);
        QVERIFY(fixture.master().backup(QStringLiteral("gina"), source, QString()));

        const QString outside = fixture.scratch(QStringLiteral("outside"));
        QDir().mkpath(outside);
        const QString target = fixture.scratch(QStringLiteral("target"));
        QDir().mkpath(target);
        QVERIFY(QFile::link(outside, target + QStringLiteral("/docs")));

        auto refused = fixture.master().restore(QStringLiteral("gina"), target, QString(), {});
        QVERIFY(!refused);
        QVERIFY(refused.message().contains(QLatin1String("not empty")));

        auto forced = fixture.master().restore(QStringLiteral("gina"), target, QString(), { .force = true });
        QVERIFY2(forced, qPrintable(forced.message()));
        QVERIFY(QDir(outside).isEmpty());
        QVERIFY(!QFileInfo(target + QStringLiteral("/docs")).isSymLink());
        QVERIFY(compareTrees(source, target, false).isEmpty());
    }

    void swappedStoragePathsAreDetected()
    {
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        writeRandomFile(source + QStringLiteral("/x"), 1000, 1);
        auto backup = fixture.master().backup(QStringLiteral("hank"), source, QString());
        QVERIFY(backup);
        const QString a = fixture.storagePath(QStringLiteral("s1")) + QStringLiteral("/storage.json");
        const QString b = fixture.storagePath(QStringLiteral("s2")) + QStringLiteral("/storage.json");
        QVERIFY(QFile::rename(a, a + QStringLiteral(".tmp")));
        QVERIFY(QFile::rename(b, a));
        QVERIFY(QFile::rename(a + QStringLiteral(".tmp"), b));
        const QByteArray before = fingerprint(fixture.root() + QStringLiteral("/storages"));

        auto again = fixture.master().backup(QStringLiteral("hank"), source, QString());
        QVERIFY(!again);
        QVERIFY2(again.message().contains(QLatin1String("swapped")), qPrintable(again.message()));
        auto restore = fixture.master().restore(
            QStringLiteral("hank"), fixture.scratch(QStringLiteral("out")), QString(), {});
        QVERIFY(!restore);
        QVERIFY(restore.message().contains(QLatin1String("holds another storage")));
        QCOMPARE(fingerprint(fixture.root() + QStringLiteral("/storages")), before);
    }

    void newUsersGoToTheFreestStorage()
    {
        PoolFixture fixture({ { QStringLiteral("s1"), 100 * MiB }, { QStringLiteral("s2"), 100 * MiB } });
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        writeRandomFile(source + QStringLiteral("/x"), 3 * MiB, 1);
        auto first = fixture.master().backup(QStringLiteral("u1"), source, QString());
        QCOMPARE(first->storageName, QStringLiteral("s1"));
        auto second = fixture.master().backup(QStringLiteral("u2"), source, QString());
        QCOMPARE(second->storageName, QStringLiteral("s2"));
        // u1 grows on its own storage even though s2 is freer now.
        writeRandomFile(source + QStringLiteral("/y"), 3 * MiB, 2);
        auto third = fixture.master().backup(QStringLiteral("u1"), source, QString());
        QCOMPARE(third->storageName, QStringLiteral("s1"));
        // A marked storage takes no new users even when it is the freest.
        QVERIFY(StorageRepo(fixture.db()).setState(fixture.storage(QStringLiteral("s2")).id, StorageState::Marked));
        auto fourth = fixture.master().backup(QStringLiteral("u3"), source, QString());
        QCOMPARE(fourth->storageName, QStringLiteral("s1"));
        // ...but backups of users already assigned to it go on.
        auto fifth = fixture.master().backup(QStringLiteral("u2"), source, QString());
        QVERIFY2(fifth, qPrintable(fifth.message()));
        QCOMPARE(fifth->storageName, QStringLiteral("s2"));
    }

    void rescanRepairsConfigDb()
    {
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        generateTree(source, smallSpec(6));
        auto backup = fixture.master().backup(QStringLiteral("ivy"), source, QString());
        QVERIFY(backup);
        const StorageRecord storage = fixture.storage(backup->storageName);
        const qint64 correct = storage.usedBytes;
        QVERIFY(StorageRepo(fixture.db()).setUsedBytes(storage.id, 12345));
        QVERIFY(
            UserRepo(fixture.db()).removeSnapshot(fixture.user(QStringLiteral("ivy")).id, backup->result.snapshotId));
        QDir().mkpath(storage.rootPath + QStringLiteral("/users/orphan-uuid/chunks"));

        auto rescan = fixture.master().rescanStorage(storage.name);
        QVERIFY2(rescan, qPrintable(rescan.message()));
        QCOMPARE(rescan->usedBytesBefore, qint64(12345));
        QCOMPARE(rescan->usedBytesAfter, correct);
        QCOMPARE(fixture.storage(storage.name).usedBytes, correct);
        QCOMPARE(fixture.user(QStringLiteral("ivy")).snapshotCount, 1);
        QVERIFY(rescan->notes.join(u'\n').contains(QLatin1String("orphan-uuid")));
    }

    void cancelledBackupKeepsNothing()
    {
        // Stopped after the first accounting: the job must give back every byte it accounted and
        // leave neither chunks nor temporary files behind.
        PoolFixture fixture;
        const QString source = fixture.scratch(QStringLiteral("source"));
        QDir().mkpath(source);
        for (int i = 0; i < 8; ++i)
            writeRandomFile(source + QStringLiteral("/f%1").arg(i), 6 * MiB, static_cast<quint32>(i));
        const StorageRecord storage = fixture.storage(QStringLiteral("s1"));
        UserStore store(fixture.master().openStorage(storage).value(), QStringLiteral("user-uuid"));
        QVERIFY(store.create(QStringLiteral("jack")));
        const QByteArray before = fingerprint(store.chunksDir());

        std::atomic<bool> stop { false };
        qint64 accounted = 0;
        int calls = 0;
        BackupJob job(store, QStringLiteral("jack"), source);
        job.setWorkerCount(1);
        job.setStopFlag(&stop);
        job.setReportInterval(std::chrono::milliseconds(1));
        job.setAccountant([&](qint64 delta) -> Status {
            accounted += delta;
            if (++calls == 1)
                stop = true; // the first chunk has landed: cancel now
            return {};
        });
        auto result = job.run();
        if (result && calls <= 1)
            QSKIP("the backup finished before it could be cancelled");
        QVERIFY(!result);
        QVERIFY2(result.message().contains(QLatin1String("cancelled")), qPrintable(result.message()));
        QVERIFY(calls >= 2);
        QCOMPARE(accounted, qint64(0));
        QCOMPARE(fingerprint(store.chunksDir()), before);
        QVERIFY(store.snapshotIds()->isEmpty());
        QVERIFY(QDir(store.tmpDir()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBackupRestore)
#include "tst_backuprestore.moc"
