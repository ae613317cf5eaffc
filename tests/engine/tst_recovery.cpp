// What interrupted and failed work leaves behind is cleaned up and counted right: a move that
// fails while its destination is away, a compaction that cannot run, backups killed half-way,
// and cancels that arrive while a job waits or is about to switch. Real processes, real storages,
// and at the end of each test the disk and ConfigDb agree byte for byte.

#include "balance/balancer.h"
#include "clirunner.h"
#include "configdb/alertrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "engine/engine.h"
#include "enginefixture.h"
#include "storage/userstore.h"
#include "testtree.h"
#include "util/filelock.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

namespace {

JobRecord jobOf(CrowdedPool& pool, qint64 id)
{
    return JobRepo(pool.db()).byId(id).value();
}

CliResult migrate(CrowdedPool& pool, const QString& killAt = {}, const QStringList& wrapper = {})
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!killAt.isEmpty())
        env.insert(QStringLiteral("POOLKEEPER_TEST_KILL_AT"), killAt);
    return CliRunner::runRaw({ QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("migrate"),
                                 QStringLiteral("main"), QStringLiteral("--wait") },
        env, 300000, wrapper);
}

QString rescanNotes(CrowdedPool& pool, const QString& storage)
{
    const CliResult rescan
        = CliRunner(pool.workspace()).run({ QStringLiteral("storage"), QStringLiteral("rescan"), storage });
    return QString::fromUtf8(rescan.out + rescan.err);
}

} // namespace

class TestRecovery : public QObject
{
    Q_OBJECT
private slots:
    // Defect 4: a move that fails while its destination is away leaves neither a copy nor
    // counted bytes once the destination is back.
    void failedMoveCleansUpWhenTheDestinationReturns()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        QCOMPARE(migrate(pool, QStringLiteral("catch-up")).exitCode, -1); // killed with a full copy made
        const QString destination = pool.fixture().storage(job.toName).rootPath;
        const QString copy = destination + QStringLiteral("/users/") + job.userUuid;
        QVERIFY(QFileInfo(copy).isDir());

        // The destination's disk goes away; the next run cannot finish the move.
        const QString identity = destination + QStringLiteral("/storage.json");
        QVERIFY(QFile::rename(identity, identity + QStringLiteral(".away")));
        const CliResult failedRun = migrate(pool);
        QCOMPARE(failedRun.exitCode, 1);
        QCOMPARE(toString(jobOf(pool, job.id).state), QStringLiteral("failed"));
        QVERIFY(jobOf(pool, job.id).cleanupPending);
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.fromName);

        // Back again: the engine removes the copy and its bytes.
        QVERIFY(QFile::rename(identity + QStringLiteral(".away"), identity));
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        QVERIFY(!QFileInfo::exists(copy));
        QVERIFY(!jobOf(pool, job.id).cleanupPending);
        QCOMPARE(jobOf(pool, job.id).destAccountedBytes, qint64(0));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QVERIFY2(rescanNotes(pool, job.toName).contains(QLatin1String("nothing to correct")),
            qPrintable(rescanNotes(pool, job.toName)));
    }

    void laterMoveTakesOverALeftCopy()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        QCOMPARE(migrate(pool, QStringLiteral("catch-up")).exitCode, -1);
        const QString destination = pool.fixture().storage(job.toName).rootPath;
        const QString identity = destination + QStringLiteral("/storage.json");
        QVERIFY(QFile::rename(identity, identity + QStringLiteral(".away")));
        QCOMPARE(migrate(pool).exitCode, 1);
        QVERIFY(QFile::rename(identity + QStringLiteral(".away"), identity));

        // Before any cleanup, the same user is moved to the same storage again.
        auto again = JobRepo(pool.db()).create(
            JobKind::Balance, 0, job.userId, job.fromStorageId, job.toStorageId, jobOf(pool, job.id).reservedBytes);
        QVERIFY2(again, qPrintable(again.message()));
        const CliResult moved = migrate(pool);
        QVERIFY2(moved.exitCode == 0, qPrintable(moved.describe()));
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.toName);
        QVERIFY(!jobOf(pool, job.id).cleanupPending);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    // Defect 5: a compaction that cannot run is a visible, retried state; the source's bytes
    // leave the count only when its data is gone.
    void compactionThatCannotRunIsPendingAndRetried()
    {
        if (runningAsRoot() && QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())
            QSKIP("running as root without setpriv: permissions cannot be tested");
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        const QString sourceUsers = pool.fixture().storage(job.fromName).rootPath + QStringLiteral("/users");
        QVERIFY(QFile::setPermissions(sourceUsers, QFile::ReadOwner | QFile::ExeOwner));
        const CliResult run = migrate(pool, {}, CliRunner::withoutPrivileges());
        QFile::setPermissions(sourceUsers, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("compaction pending"), qPrintable(run.describe()));

        const JobRecord pending = jobOf(pool, job.id);
        QCOMPARE(toString(pending.state), QStringLiteral("pending"));
        QCOMPARE(toString(pending.phase), QStringLiteral("compacting"));
        QVERIFY(pending.error.contains(QLatin1String("compaction pending")));
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.toName);
        auto alerts = AlertRepo(pool.db()).list(true);
        QVERIFY(std::any_of(alerts->cbegin(), alerts->cend(), [&](const AlertRecord& a) {
            return a.kind == alertKind::compactionPending && a.storageName == job.fromName;
        }));
        // The source copy is still on disk and still counted.
        const QString sourceCopy = sourceUsers + u'/' + job.userUuid;
        QVERIFY(QFileInfo(sourceCopy).isDir());
        const qint64 onDisk
            = UserStore(StorageRoot(pool.fixture().storage(job.fromName).rootPath), job.userUuid).diskUsage().value();
        QCOMPARE(pending.sourceBytes, onDisk);

        // The next engine compacts it; the alert ends.
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        QCOMPARE(toString(jobOf(pool, job.id).state), QStringLiteral("done"));
        QVERIFY(!QFileInfo::exists(sourceCopy));
        alerts = AlertRepo(pool.db()).list(true);
        QVERIFY(std::none_of(alerts->cbegin(), alerts->cend(),
            [&](const AlertRecord& a) { return a.kind == alertKind::compactionPending; }));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    // Backups killed at any point leave claims that the next engine (or backup) settles.
    void killedBackupsAreSettled_data()
    {
        QTest::addColumn<QString>("point");
        QTest::addColumn<bool>("newUser");
        QTest::addColumn<int>("snapshotsAfter"); // of the user, once settled
        QTest::newRow("existing user, before writing") << "backup-writing" << false << 1;
        QTest::newRow("existing user, manifest written") << "backup-written" << false << 2;
        QTest::newRow("new user, placed") << "backup-placed" << true << 0;
        QTest::newRow("new user, manifest written") << "backup-written" << true << 0;
    }
    void killedBackupsAreSettled()
    {
        QFETCH(QString, point);
        QFETCH(bool, newUser);
        QFETCH(int, snapshotsAfter);
        CrowdedPool pool(2, MiB, qint64(64 * MiB), 64 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QString user = newUser ? QStringLiteral("newcomer") : pool.users().constFirst();
        const QString tree = newUser ? pool.fixture().scratch(QStringLiteral("newcomer")) : pool.changeTree(user, 4242);
        if (newUser)
            CrowdedPool::makeUserTree(tree, 2 * MiB, 99);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), point + QStringLiteral("=kill"));
        const CliResult killed = CliRunner::runRaw(
            { QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("backup"), user, tree }, env);
        QVERIFY2(killed.exitCode == -1, qPrintable(killed.describe()));

        QVERIFY(runEngineUntilIdle(pool.workspace()));
        auto found = UserRepo(pool.db()).find(user);
        QVERIFY(found);
        if (newUser) {
            QVERIFY(!found->has_value());
        } else {
            QCOMPARE(found->value().snapshotCount, snapshotsAfter);
        }
        for (const QString& storage : { QStringLiteral("s1"), QStringLiteral("s2"), QStringLiteral("s3") }) {
            const QString notes = rescanNotes(pool, storage);
            QVERIFY2(notes.contains(QLatin1String("nothing to correct")), qPrintable(notes));
        }
        if (!newUser && snapshotsAfter == 2) {
            // The snapshot whose manifest made it is kept, and restores.
            const QStringList problems = pool.checkEveryUser();
            QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        }
    }

    // A cancel recorded before the switch wins, even while the job waits for the freeze...
    void cancelWinsWhileWaitingForTheFreeze()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        const UserStore source(StorageRoot(pool.fixture().storage(job.fromName).rootPath), job.userUuid);
        // A restore of the user is running: the freeze waits for it.
        auto restoreLock = FileLock::acquire(source.lockPath(), FileLock::Mode::Shared);
        QVERIFY(restoreLock);
        QProcess engine;
        engine.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("migrate"), QStringLiteral("main"),
                QStringLiteral("--wait") });
        QTRY_COMPARE_WITH_TIMEOUT(toString(jobOf(pool, job.id).phase), QStringLiteral("freeze"), 60000);
        const CliResult cancel = CliRunner(pool.workspace()).run({ QStringLiteral("cancel"), QString::number(job.id) });
        QVERIFY2(cancel.exitCode == 0 && cancel.out.contains("being cancelled"), qPrintable(cancel.describe()));
        // Seen while still waiting: the job ends before the restore lets go.
        QTRY_COMPARE_WITH_TIMEOUT(toString(jobOf(pool, job.id).state), QStringLiteral("cancelled"), 30000);
        restoreLock->release();
        QVERIFY(engine.state() == QProcess::NotRunning || engine.waitForFinished(60000));
        QCOMPARE(engine.exitCode(), 1);
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.fromName);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    // ...and when it arrives just before the switch's transaction.
    void cancelJustBeforeTheSwitchWins()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        const ConfigDbLocation configDb = pool.fixture().db().location();
        QVERIFY(runEngineUntilIdle(pool.workspace(), [&](const JobRecord& running, JobPhase phase) {
            if (phase != JobPhase::Switching)
                return;
            // An operator's cancel from another process, as the switch is about to commit.
            auto other = ConfigDb::open(configDb, ConfigDb::OpenMode::MustExist);
            QVERIFY(other);
            auto requested = JobRepo(**other).requestCancel(running.id);
            QVERIFY(requested && *requested);
        }));
        QCOMPARE(toString(jobOf(pool, job.id).state), QStringLiteral("cancelled"));
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.fromName);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void cancelPastTheSwitchIsRefused()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(migrate(pool, QStringLiteral("unfreeze")).exitCode, -1);
        auto requested = JobRepo(pool.db()).requestCancel(jobs.constFirst());
        QVERIFY(requested);
        QVERIFY(!*requested);
        const CliResult cancel
            = CliRunner(pool.workspace()).run({ QStringLiteral("cancel"), QString::number(jobs.constFirst()) });
        QCOMPARE(cancel.exitCode, 1);
        QVERIFY2(cancel.err.contains("past the switch"), qPrintable(cancel.describe()));
        QCOMPARE(migrate(pool).exitCode, 0);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    // Closing the console while a job waits (here for a restore to let go of the user) ends it
    // at once: no wait in the engine is unbounded, the job resumes at the next start.
    void stoppingTheEngineWhileAJobWaitsIsPrompt()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        const UserStore source(StorageRoot(pool.fixture().storage(job.fromName).rootPath), job.userUuid);
        auto restoreLock = FileLock::acquire(source.lockPath(), FileLock::Mode::Shared);
        QVERIFY(restoreLock);
        Engine::Settings settings;
        settings.workspaceDir = pool.workspace();
        settings.tickMs = 20;
        Engine engine(settings);
        engine.start();
        QTRY_COMPARE_WITH_TIMEOUT(toString(jobOf(pool, job.id).phase), QStringLiteral("freeze"), 60000);
        QElapsedTimer clock;
        clock.start();
        engine.stop();
        qInfo("the engine stopped %lld ms after it was asked to", clock.elapsed());
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(toString(jobOf(pool, job.id).state), QStringLiteral("pending"));
        restoreLock->release();
        QCOMPARE(migrate(pool).exitCode, 0);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    // A backup killed after writing its manifest while the user is being moved: the move copies
    // that snapshot, and the switch records it (found by the chaos test).
    void snapshotOfABackupKilledDuringAMoveIsRecorded()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        QTemporaryDir points;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), QStringLiteral("copy-chunk=pause"));
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINT_DIR"), points.path());
        QProcess engine;
        engine.setProcessEnvironment(env);
        engine.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("migrate"), QStringLiteral("main"),
                QStringLiteral("--wait") });
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(points.filePath(QStringLiteral("copy-chunk.reached"))), 60000);
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), QStringLiteral("backup-written=kill"));
        const QString tree = pool.changeTree(job.userName, 777);
        QCOMPARE(
            CliRunner::runRaw(
                { QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("backup"), job.userName, tree }, env)
                .exitCode,
            -1);
        QFile(points.filePath(QStringLiteral("copy-chunk.go"))).open(QIODevice::WriteOnly);
        QVERIFY(engine.waitForFinished(120000));
        QCOMPARE(engine.exitCode(), 0);
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.toName);
        QCOMPARE(pool.fixture().user(job.userName).snapshotCount, 2);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QVERIFY(rescanNotes(pool, job.toName).contains(QLatin1String("nothing to correct")));
    }

    // Defect 8's consequence: a rollback never removes the only copy of a snapshot.
    void rollbackKeepsACopyTheSourceLacks()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = jobOf(pool, jobs.constFirst());
        QCOMPARE(migrate(pool, QStringLiteral("catch-up")).exitCode, -1);
        // ConfigDb lost the switch (as a deleted WAL would make it) and the source was compacted:
        // the copy on the destination is all that is left of the user.
        const QString source = pool.fixture().storage(job.fromName).rootPath + QStringLiteral("/users/") + job.userUuid;
        const QString copy = pool.fixture().storage(job.toName).rootPath + QStringLiteral("/users/") + job.userUuid;
        QVERIFY(posix::removeTree(source));
        const CliResult run = migrate(pool);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(QFileInfo(copy).isDir());
        const JobRecord failedJob = jobOf(pool, job.id);
        QVERIFY2(failedJob.error.contains(QLatin1String("was kept")), qPrintable(failedJob.error));
        QVERIFY(!failedJob.cleanupPending);
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        QVERIFY(QFileInfo(copy).isDir()); // the engine's cleanup leaves it too
    }
};

QTEST_GUILESS_MAIN(TestRecovery)
#include "tst_recovery.moc"
