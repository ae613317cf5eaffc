// The balancing and migration engine on real storages, a real ConfigDb, real threads and real
// processes: full migrations restored byte for byte, backups during a migration, damaged data on
// either side, a full destination, SIGKILL at every phase, one engine per workspace, drain,
// throttles, the migration log, alerts and the automatic mode.

#include "balance/balancer.h"
#include "clirunner.h"
#include "configdb/alertrepo.h"
#include "configdb/enginerepo.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "engine/engine.h"
#include "engine/enginelock.h"
#include "enginefixture.h"
#include "logs/logfmt.h"
#include "logs/migrationlog.h"
#include "master/workspace.h"
#include "migration/migrationjob.h"
#include "migration/ratelimiter.h"
#include "pgserver.h"
#include "storage/storageroot.h"
#include "storage/userstore.h"
#include "testtree.h"
#include "util/sizes.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>

#include <thread>
#include <unistd.h>

using namespace pk;
using namespace pk::test;

namespace {

JobState stateOf(CrowdedPool& pool, qint64 job)
{
    return JobRepo(pool.db()).byId(job).value().state;
}

double usedPercent(CrowdedPool& pool, const QString& storage)
{
    return measureStorage(pool.fixture().storage(storage)).usedPercent();
}

void flipByte(const QString& path, qint64 offset)
{
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    file.seek(offset);
    const char c = file.read(1).at(0);
    file.seek(offset);
    file.write(QByteArray(1, static_cast<char>(c ^ 0x5a)));
}

QString anyChunkOf(const UserStore& store)
{
    auto ids = store.snapshotIds();
    auto manifest = store.readManifest(ids->constLast());
    for (const ManifestEntry& entry : std::as_const(manifest->entries)) {
        if (!entry.chunks.isEmpty())
            return store.chunkPath(entry.chunks.constLast().hash);
    }
    return {};
}

} // namespace

class TestMigration : public QObject
{
    Q_OBJECT
private slots:
    void fullMigrationRestoresEveryUser()
    {
        CrowdedPool pool(8, MiB, qint64(9.5 * MiB), 16 * MiB, 80, 40);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        QVERIFY(usedPercent(pool, QStringLiteral("s1")) >= 80);
        const QList<qint64> jobs = planAndApprove(pool);
        QVERIFY(jobs.size() >= 3);
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        for (qint64 job : jobs)
            QCOMPARE(toString(stateOf(pool, job)), QStringLiteral("done"));
        QVERIFY2(usedPercent(pool, QStringLiteral("s1")) < 80,
            qPrintable(QString::number(usedPercent(pool, QStringLiteral("s1")))));
        QVERIFY(usedPercent(pool, QStringLiteral("s2")) <= 40.0 + 1e-9);
        QVERIFY(usedPercent(pool, QStringLiteral("s3")) <= 40.0 + 1e-9);
        // The mark is gone once the storage is back under high.
        QCOMPARE(toString(pool.fixture().storage(QStringLiteral("s1")).state), QStringLiteral("online"));
        // Compacted users went to the trash, and the engine freed it before going idle.
        const QString trash = StorageRoot(pool.fixture().storage(QStringLiteral("s1")).rootPath).trashDir();
        QVERIFY2(QDir(trash).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), qPrintable(trash));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void backupsDuringMigrationLand_data()
    {
        QTest::addColumn<QString>("phase");
        QTest::addColumn<QString>("landsOn"); // "source": caught up; "destination": after the switch
        QTest::newRow("while copying") << "copying"
                                       << "source";
        QTest::newRow("while frozen") << "final-catch-up"
                                      << "destination";
    }
    void backupsDuringMigrationLand()
    {
        QFETCH(QString, phase);
        QFETCH(QString, landsOn);
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        const JobRecord job = JobRepo(pool.db()).byId(jobs.constFirst()).value();
        const QString user = job.userName;
        const QString tree = pool.changeTree(user, 77);
        const QString workspace = pool.workspace();

        std::thread backupThread;
        std::atomic<bool> backupOk { false };
        QString backupStorage;
        std::atomic<bool> started { false };
        auto hook = [&](const JobRecord&, JobPhase reached) {
            if (toString(reached) != phase || started.exchange(true))
                return;
            backupThread = std::thread([&] {
                auto db = Workspace::open(workspace);
                Master master(**db);
                auto result = master.backup(user, tree, QString());
                backupOk = result.isOk();
                if (result)
                    backupStorage = result->storageName;
                else
                    qWarning("backup failed: %s", qPrintable(result.message()));
            });
            // While copying, let the backup finish first: it lands on the source and the
            // catch-up must bring it over. While frozen, go on: the backup waits for the freeze.
            if (landsOn == QLatin1String("source"))
                backupThread.join();
        };
        QVERIFY(runEngineUntilIdle(workspace, hook));
        if (backupThread.joinable())
            backupThread.join();
        QVERIFY(started);
        QVERIFY(backupOk);
        QCOMPARE(backupStorage, landsOn == QLatin1String("source") ? job.fromName : job.toName);
        QCOMPARE(toString(stateOf(pool, job.id)), QStringLiteral("done"));
        QCOMPARE(pool.fixture().user(user).storageName, job.toName);
        QCOMPARE(pool.fixture().user(user).snapshotCount, 2);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void inconsistentUserStaysAndOthersMove()
    {
        CrowdedPool pool(6, MiB, qint64(7 * MiB), 16 * MiB, 80, 40);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QString damaged = pool.users().at(2);
        const UserStore store = pool.master().userStore(pool.fixture().user(damaged)).value();
        flipByte(anyChunkOf(store), 10);

        Balancer balancer(pool.db());
        auto scan = balancer.scan(pool.pool());
        QVERIFY2(scan, qPrintable(scan.message()));
        int candidates = 0;
        for (const ScanEntry& entry : std::as_const(scan->entries)) {
            if (entry.userName == damaged) {
                QVERIFY(!entry.candidate);
                QVERIFY2(entry.reason.startsWith(QLatin1String("inconsistent"))
                        && entry.reason.contains(QLatin1String("wrong hash")),
                    qPrintable(entry.reason));
            } else {
                QVERIFY2(entry.candidate, qPrintable(entry.reason));
                ++candidates;
            }
        }
        QCOMPARE(candidates, 5);
        auto plan = balancer.plan(pool.pool());
        QVERIFY(plan);
        QVERIFY(!plan->moves.isEmpty());
        for (const PlannedMove& move : std::as_const(plan->moves))
            QVERIFY(move.userName != damaged);
        QVERIFY(balancer.approve(pool.pool()));
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        QCOMPARE(pool.fixture().user(damaged).storageName, QStringLiteral("s1"));
        QVERIFY(usedPercent(pool, QStringLiteral("s1")) < 80);
    }

    void damagedCopyIsRolledBack()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        const JobRecord job = JobRepo(pool.db()).byId(jobs.constFirst()).value();
        const qint64 destinationUsedBefore = pool.fixture().storage(job.toName).usedBytes;
        const QString destinationRoot = pool.fixture().storage(job.toName).rootPath;
        auto hook = [&](const JobRecord& running, JobPhase phase) {
            if (phase == JobPhase::Verifying)
                flipByte(anyChunkOf(UserStore(StorageRoot(destinationRoot), running.userUuid)), 3);
        };
        QVERIFY(runEngineUntilIdle(pool.workspace(), hook));
        const JobRecord after = JobRepo(pool.db()).byId(job.id).value();
        QCOMPARE(toString(after.state), QStringLiteral("failed"));
        QVERIFY2(after.error.contains(QLatin1String("consistency check"))
                && after.error.contains(QLatin1String("wrong hash")),
            qPrintable(after.error));
        // The user stays where it was, the invalid copy is gone, nothing is counted for it.
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.fromName);
        QVERIFY(!QFileInfo::exists(destinationRoot + QStringLiteral("/users/") + job.userUuid));
        QCOMPARE(pool.fixture().storage(job.toName).usedBytes, destinationUsedBefore);
        auto alerts = AlertRepo(pool.db()).list();
        QVERIFY(std::any_of(alerts->cbegin(), alerts->cend(), [&](const AlertRecord& a) {
            return a.kind == alertKind::migrationFailed && a.storageName == job.toName
                && a.message.contains(job.userName);
        }));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void fullDestinationFailsCleanly()
    {
        // A job approved before the destination filled up (the plan is stale): the quota stops
        // the copy, it is removed again and the user stays.
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 600 * KiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const UserRecord user = pool.fixture().user(pool.users().constFirst());
        const StorageRecord destination = pool.fixture().storage(QStringLiteral("s2"));
        auto job = JobRepo(pool.db()).create(JobKind::Balance, 0, user.id, user.storageId, destination.id, user.bytes);
        QVERIFY2(job, qPrintable(job.message()));
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        const JobRecord after = JobRepo(pool.db()).byId(*job).value();
        QCOMPARE(toString(after.state), QStringLiteral("failed"));
        QVERIFY2(after.error.contains(QLatin1String("is full")), qPrintable(after.error));
        QCOMPARE(pool.fixture().storage(QStringLiteral("s2")).usedBytes, qint64(0));
        QVERIFY(QDir(destination.rootPath + QStringLiteral("/users")).isEmpty());
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void killedAtEveryPhaseThenResumed_data()
    {
        QTest::addColumn<QString>("phase");
        for (const char* phase : { "copying", "catch-up", "freeze", "final-catch-up", "verifying", "switching",
                 "unfreeze", "compacting", "done" })
            QTest::newRow(phase) << QString::fromLatin1(phase);
    }
    void killedAtEveryPhaseThenResumed()
    {
        QFETCH(QString, phase);
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        CliRunner cli(pool.workspace());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_TEST_KILL_AT"), phase);
        const CliResult killed
            = CliRunner::runRaw({ QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("migrate"),
                                    QStringLiteral("main"), QStringLiteral("--wait") },
                env);
        QVERIFY2(killed.exitCode == -1, qPrintable(QStringLiteral("expected a crash: ") + killed.describe()));
        // Read-only commands work at any moment.
        QCOMPARE(cli.run({ QStringLiteral("status"), QStringLiteral("--json") }).exitCode, 0);

        const CliResult resumed
            = cli.run({ QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait") });
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.describe()));
        QCOMPARE(toString(stateOf(pool, jobs.constFirst())), QStringLiteral("done"));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void killedWhileRollingBackThenResumed()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        const JobRecord job = JobRepo(pool.db()).byId(jobs.constFirst()).value();
        CliRunner cli(pool.workspace());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_TEST_KILL_AT"), QStringLiteral("verifying"));
        QCOMPARE(CliRunner::runRaw({ QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("migrate"),
                                       QStringLiteral("main"), QStringLiteral("--wait") },
                     env)
                     .exitCode,
            -1);
        const QString copy = pool.fixture().storage(job.toName).rootPath + QStringLiteral("/users/") + job.userUuid;
        QVERIFY(QFileInfo(copy).isDir());
        env.insert(QStringLiteral("POOLKEEPER_TEST_KILL_AT"), QStringLiteral("rolling-back"));
        QCOMPARE(CliRunner::runRaw({ QStringLiteral("--workspace"), pool.workspace(), QStringLiteral("cancel"),
                                       QString::number(job.id) },
                     env)
                     .exitCode,
            -1);
        QVERIFY(QFileInfo(copy).isDir());

        const CliResult resumed
            = cli.run({ QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait") });
        QCOMPARE(resumed.exitCode, 1); // the job ends cancelled, not done
        QCOMPARE(toString(stateOf(pool, job.id)), QStringLiteral("cancelled"));
        QVERIFY(!QFileInfo::exists(copy));
        QCOMPARE(pool.fixture().user(job.userName).storageName, job.fromName);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void cancelBeforeSwitch()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        CliRunner cli(pool.workspace());
        const CliResult cancel = cli.run({ QStringLiteral("cancel"), QString::number(jobs.constFirst()) });
        QVERIFY2(cancel.exitCode == 0, qPrintable(cancel.describe()));
        QCOMPARE(toString(stateOf(pool, jobs.constFirst())), QStringLiteral("cancelled"));
        const CliResult again = cli.run({ QStringLiteral("cancel"), QString::number(jobs.constFirst()) });
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("already cancelled"));
        QCOMPARE(cli.run({ QStringLiteral("cancel"), QStringLiteral("999") }).exitCode, 3);
        QCOMPARE(cli.run({ QStringLiteral("cancel"), QStringLiteral("abc") }).exitCode, 2);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void engineThatLostItsJobRemovesNothing()
    {
        // Engine A loses its lock while it copies; engine B draws a new epoch, takes the job over
        // and switches the user. Then A goes on: every write of A is refused (fencing) and A
        // removes nothing, neither the copy the user now lives on nor anything else.
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        const qint64 jobId = jobs.constFirst();
        const qint64 epochA = EngineRepo(pool.db()).nextEpoch().value();

        QSemaphore copying;
        QSemaphore goOn;
        JobOutcome outcomeA = JobOutcome::Done;
        QString errorA;
        std::thread engineA([&] {
            auto db = ConfigDb::open(pool.db().location(), ConfigDb::OpenMode::MustExist);
            if (!db) {
                errorA = db.message();
                copying.release();
                return;
            }
            MigrationOptions options;
            options.ownerEpoch = epochA;
            options.phaseHook = [&](const JobRecord&, JobPhase phase) {
                if (phase == JobPhase::Copying) {
                    copying.release();
                    goOn.tryAcquire(1, 120000);
                }
            };
            MigrationJob job(**db, JobRepo(**db).byId(jobId).value(), options);
            outcomeA = job.run();
            errorA = job.error();
        });
        auto finishA = [&] {
            goOn.release();
            if (engineA.joinable())
                engineA.join();
        };
        QVERIFY(copying.tryAcquire(1, 60000));

        // B: the takeover of tryTakeLock(), then the job up to its compaction, where A goes on.
        const qint64 epochB = EngineRepo(pool.db()).nextEpoch().value();
        QVERIFY(epochB > epochA);
        QVERIFY(JobRepo(pool.db()).requeue(jobId));
        MigrationOptions options;
        options.ownerEpoch = epochB;
        options.phaseHook = [&](const JobRecord&, JobPhase phase) {
            if (phase == JobPhase::Compacting)
                finishA();
        };
        MigrationJob jobB(pool.db(), JobRepo(pool.db()).byId(jobId).value(), options);
        const JobOutcome outcomeB = jobB.run();
        finishA();
        QCOMPARE(describe(outcomeB), describe(JobOutcome::Done));
        QCOMPARE(describe(outcomeA), describe(JobOutcome::Stopped));
        QVERIFY2(errorA.contains(QLatin1String("another engine")), qPrintable(errorA));
        const JobRecord after = JobRepo(pool.db()).byId(jobId).value();
        QCOMPARE(toString(after.state), QStringLiteral("done"));
        QCOMPARE(pool.fixture().user(after.userName).storageName, after.toName);
        QVERIFY(!JobRepo(pool.db(), epochA).stillOwned(jobId).value());
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void switchThatLandedUnseenIsNotRolledBack()
    {
        // A switch whose COMMIT went through while its reply was lost looks failed to the job.
        // Emulated: ConfigDb is switched behind the job's back, so its own switch fails. The
        // rollback must then leave the copy alone: ConfigDb places the user on it.
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        const JobRecord job = JobRepo(pool.db()).byId(jobs.constFirst()).value();
        MigrationOptions options;
        options.phaseHook = [&](const JobRecord&, JobPhase phase) {
            if (phase == JobPhase::Switching)
                QVERIFY(UserRepo(pool.db()).setStorage(job.userId, job.toStorageId));
        };
        MigrationJob migration(pool.db(), job, options);
        QCOMPARE(describe(migration.run()), describe(JobOutcome::Stopped));
        QVERIFY2(migration.error().contains(QLatin1String("places the user on")), qPrintable(migration.error()));
        const UserStore copy(StorageRoot(pool.fixture().storage(job.toName).rootPath), job.userUuid);
        QVERIFY(copy.exists());
        QCOMPARE(copy.snapshotIds().value().size(), pool.fixture().user(job.userName).snapshotCount);
        QVERIFY(toString(JobRepo(pool.db()).byId(job.id).value().state) != QLatin1String("failed"));
    }

    void fencedWritesChangeNothing()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QCOMPARE(jobs.size(), 1);
        const qint64 id = jobs.constFirst();
        const qint64 old = EngineRepo(pool.db()).nextEpoch().value();
        JobRepo fenced(pool.db(), old);
        QVERIFY(fenced.markRunning(id, 1));
        QVERIFY(fenced.setPhase(id, JobPhase::Copying));
        QVERIFY(fenced.stillOwned(id).value());
        // Another engine takes the lock: the old epoch can neither write nor claim any more.
        const qint64 current = EngineRepo(pool.db()).nextEpoch().value();
        QVERIFY(!fenced.stillOwned(id).value());
        const Status refused = fenced.setPhase(id, JobPhase::Switching);
        QVERIFY(!refused);
        QVERIFY2(refused.message().contains(QLatin1String("another engine")), qPrintable(refused.message()));
        QVERIFY(!fenced.finish(id, JobState::Failed, JobPhase::Copying, QStringLiteral("x")));
        QVERIFY(!fenced.setCopyBooks(id, 5, 5, true));
        QVERIFY(!fenced.markRunning(id, 1));
        const JobRecord job = JobRepo(pool.db()).byId(id).value();
        QCOMPARE(toString(job.phase), QStringLiteral("copying"));
        QCOMPARE(toString(job.state), QStringLiteral("running"));
        QCOMPARE(job.destAccountedBytes, qint64(0));
        // The new epoch claims it and writes.
        JobRepo owner(pool.db(), current);
        QVERIFY(owner.markRunning(id, 2));
        QVERIFY(owner.setPhase(id, JobPhase::CatchUp));
        QVERIFY(!fenced.setPhase(id, JobPhase::Switching));
        QCOMPARE(toString(JobRepo(pool.db()).byId(id).value().phase), QStringLiteral("catch-up"));
    }

    void stuckEngineLetsTheLockGo()
    {
        if (!PgServer::testsUsePostgres())
            QSKIP("the keeper thread holds a PostgreSQL lock; a lock file needs none");
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        std::atomic<bool> stop { false };
        auto lock = EngineLock::acquire(fixture.workspace(), fixture.db().location(), &stop, 1500);
        QVERIFY2(lock, qPrintable(lock.message()));
        QVERIFY(lock->heartbeat());
        QVERIFY(!EngineLock::acquire(fixture.workspace(), fixture.db().location()));
        // This thread stops checking in: the keeper stops the jobs and frees the lock for another.
        QTRY_VERIFY_WITH_TIMEOUT(stop.load(), 15000);
        const Status lost = lock->heartbeat();
        QVERIFY(!lost);
        QVERIFY2(lost.message().contains(QLatin1String("did not check in")), qPrintable(lost.message()));
        QTRY_VERIFY_WITH_TIMEOUT(EngineLock::acquire(fixture.workspace(), fixture.db().location()).isOk(), 15000);
    }

    void secondEngineIsRefused()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        planAndApprove(pool);
        auto lock = EngineLock::acquire(pool.workspace(), pool.db().location());
        QVERIFY(lock);
        // An engine enrolls; on PostgreSQL that is how others learn who holds the lock.
        EngineRepo engines(pool.db());
        const qint64 enrolled = engines.enroll(EngineLock::localHost(), ::getpid()).value();
        QVERIFY(engines.setActive(enrolled, true));
        QCOMPARE(EngineLock::holder(pool.workspace()).pid, qint64(::getpid()));
        CliRunner cli(pool.workspace());
        const CliResult refused
            = cli.run({ QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait") });
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QByteArray::number(::getpid())), qPrintable(refused.describe()));
        // Without --wait it says who runs the jobs instead of starting a second engine.
        const CliResult detached = cli.run({ QStringLiteral("migrate"), QStringLiteral("main") });
        QCOMPARE(detached.exitCode, 0);
        QVERIFY(detached.out.contains(QByteArray::number(::getpid())));
        for (const QStringList& readOnly :
            { QStringList { "status" }, QStringList { "jobs" }, QStringList { "users" }, QStringList { "alerts" } })
            QCOMPARE(cli.run(readOnly).exitCode, 0);
        lock->release();
        QVERIFY(engines.remove(enrolled));
        QCOMPARE(EngineLock::holder(pool.workspace()).pid, qint64(0));
        QCOMPARE(cli.run({ QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait") }).exitCode, 0);
    }

    void drainEmptiesTheStorage()
    {
        CrowdedPool pool(5, MiB, qint64(12 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        CliRunner cli(pool.workspace());
        const CliResult drain = cli.run(
            { QStringLiteral("storage"), QStringLiteral("drain"), QStringLiteral("s1"), QStringLiteral("--wait") });
        QVERIFY2(drain.exitCode == 0, qPrintable(drain.describe()));
        const StorageRecord s1 = pool.fixture().storage(QStringLiteral("s1"));
        QCOMPARE(toString(s1.state), QStringLiteral("draining"));
        QCOMPARE(UserRepo(pool.db()).list(s1.id)->size(), 0);
        QCOMPARE(s1.usedBytes, qint64(0));
        QVERIFY(QDir(s1.rootPath + QStringLiteral("/users")).isEmpty());
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        // A draining storage takes no new users.
        const QString tree = pool.fixture().scratch(QStringLiteral("newcomer"));
        CrowdedPool::makeUserTree(tree, 100000, 5);
        auto backup = pool.master().backup(QStringLiteral("newcomer"), tree, QString());
        QVERIFY(backup);
        QVERIFY(backup->storageName != QLatin1String("s1"));
    }

    void oneMoveOutOfAStorageAtATime()
    {
        CrowdedPool pool(8, MiB, qint64(9.5 * MiB), 16 * MiB, 80, 40);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QVERIFY(jobs.size() >= 3);
        std::atomic<int> copying { 0 };
        std::atomic<int> most { 0 };
        auto hook = [&](const JobRecord&, JobPhase phase) {
            if (phase == JobPhase::Copying) {
                const int now = ++copying;
                most = std::max(most.load(), now);
            } else if (phase == JobPhase::Done) {
                --copying;
            }
        };
        QVERIFY(runEngineUntilIdle(pool.workspace(), hook));
        QCOMPARE(most.load(), 1);
    }

    void rateLimiterHoldsTheRate()
    {
        // 2 MiB at 4 MiB/s after a one-second burst of 4 MiB... the bucket starts full, so send
        // more than it holds: 6 MiB must take at least half a second.
        RateLimiter limiter(4 * MiB);
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 24; ++i)
            QVERIFY(limiter.acquire(256 * KiB));
        QVERIFY2(timer.elapsed() >= 400, qPrintable(QString::number(timer.elapsed())));
        std::atomic<bool> stop { true };
        QVERIFY(!limiter.acquire(64 * MiB, &stop));
        limiter.setRate(0);
        QVERIFY(limiter.acquire(qint64(1) << 40));
    }

    void logLinesParseBackInPhaseOrder()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QVERIFY(runEngineUntilIdle(pool.workspace()));
        const JobRecord job = JobRepo(pool.db()).byId(jobs.constFirst()).value();
        for (const QString& storage : { job.fromName, job.toName }) {
            QFile log(pool.fixture().storage(storage).rootPath + QStringLiteral("/inSyncMigration.log"));
            QVERIFY(log.open(QIODevice::ReadOnly));
            QStringList phases;
            bool summary = false;
            while (!log.atEnd()) {
                const QByteArray line = log.readLine().chopped(1);
                const LogfmtLine parsed = Logfmt::parse(line);
                QVERIFY2(parsed.valid && parsed.timeMs, line.constData());
                const LogRecord record = parsed.toRecord().value();
                if (record.field(logkey::job) != QString::number(job.id))
                    continue;
                QCOMPARE(record.field(logkey::user), job.userName);
                QCOMPARE(record.field(logkey::src), job.fromName);
                QCOMPARE(record.field(logkey::dst), job.toName);
                if (record.field(logkey::event) == QLatin1String("phase")
                    && (phases.isEmpty() || phases.constLast() != record.field(logkey::phase)))
                    phases.append(record.field(logkey::phase));
                if (record.field(logkey::event) == QLatin1String("summary")) {
                    summary = true;
                    QVERIFY(!record.field(logkey::durationMs).isEmpty());
                    QVERIFY(!record.field(logkey::rate).isEmpty());
                }
            }
            QCOMPARE(phases,
                (QStringList { "copying", "catch-up", "freeze", "final-catch-up", "verifying", "switching", "unfreeze",
                    "compacting" }));
            QVERIFY(summary);
        }
    }

    void lowFreeSpaceAlertIsRaisedOnce()
    {
        // Every user on s1 is damaged: nothing can move.
        CrowdedPool pool(3, MiB, qint64(3.5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        for (const QString& user : pool.users())
            flipByte(anyChunkOf(pool.master().userStore(pool.fixture().user(user)).value()), 7);
        Balancer balancer(pool.db());
        for (int round = 0; round < 3; ++round) {
            auto plan = balancer.plan(pool.pool());
            QVERIFY(plan);
            QVERIFY(plan->moves.isEmpty());
            if (round == 0)
                QVERIFY(balancer.scan(pool.pool()));
        }
        auto alerts = AlertRepo(pool.db()).list(true);
        QCOMPARE(alerts->size(), 1);
        QCOMPARE(alerts->constFirst().kind, alertKind::lowFreeSpace);
        QCOMPARE(alerts->constFirst().storageName, QStringLiteral("s1"));
        QVERIFY(alerts->constFirst().message.contains(QLatin1String("Low Free Space Available")));
        CliRunner cli(pool.workspace());
        const CliResult json = cli.run({ QStringLiteral("alerts"), QStringLiteral("--json") });
        QCOMPARE(json.exitCode, 0);
        const QJsonObject first = json.json().array().at(0).toObject();
        for (const char* key : { "time", "storage", "kind", "message" })
            QVERIFY2(first.contains(QLatin1String(key)), key);
        QVERIFY(first.value(QLatin1String("time")).toString().endsWith(u'Z'));
    }

    void markingHasHysteresis_data()
    {
        QTest::addColumn<double>("percent");
        QTest::addColumn<QString>("state");
        QTest::newRow("still above") << 80.5 << "marked";
        QTest::newRow("just under high stays marked") << 79.8 << "marked";
        QTest::newRow("under high minus margin clears") << 79.4 << "online";
    }
    void markingHasHysteresis()
    {
        QFETCH(double, percent);
        QFETCH(QString, state);
        PoolFixture fixture({ { QStringLiteral("s1"), 100000 }, { QStringLiteral("s2"), 100000 } });
        const StorageRecord s1 = fixture.storage(QStringLiteral("s1"));
        QVERIFY(StorageRepo(fixture.db()).setUsedBytes(s1.id, 81000));
        Balancer balancer(fixture.db());
        const PoolRecord pool = PoolRepo(fixture.db()).byName(QStringLiteral("main")).value();
        auto first = balancer.detect(pool);
        QVERIFY(first && first->marked == QStringList { QStringLiteral("s1") });
        QVERIFY(StorageRepo(fixture.db()).setUsedBytes(s1.id, static_cast<qint64>(percent * 1000)));
        QVERIFY(balancer.detect(pool));
        QCOMPARE(toString(fixture.storage(QStringLiteral("s1")).state), state);
    }

    void automaticModeBalancesByItself()
    {
        CrowdedPool pool(6, MiB, qint64(7 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        PoolRecord record = pool.pool();
        record.mode = PoolMode::Automatic;
        QVERIFY(PoolRepo(pool.db()).update(record));
        Engine::Settings settings;
        settings.workspaceDir = pool.workspace();
        settings.tickMs = 20;
        settings.sampleMs = 50;
        Engine engine(settings);
        QSignalSpy done(&engine, &Engine::jobFinished);
        engine.start();
        QTRY_VERIFY_WITH_TIMEOUT(
            !done.isEmpty() && engine.runningJobCount() == 0 && JobRepo(pool.db()).list(true)->isEmpty(), 120000);
        engine.stop();
        QVERIFY(usedPercent(pool, QStringLiteral("s1")) < 80);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestMigration)
#include "tst_migration.moc"
