// Two engine services for one ConfigDb: the standby takes over when the active one is killed in
// the middle of a migration, finishes its jobs, and every user restores byte for byte. Runs on
// SQLite (the lock file) and on PostgreSQL (the session lock).

#include "clirunner.h"
#include "configdb/jobrepo.h"
#include "enginefixture.h"
#include "pgserver.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <csignal>

using namespace pk;
using namespace pk::test;

namespace {

// A `poolkeeper-cli engine` process and what it has said on stderr so far.
class EngineProcess
{
public:
    explicit EngineProcess(const QString& workspace)
    {
        m_process.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), workspace, QStringLiteral("engine"), QStringLiteral("--max-rate"),
                QStringLiteral("2M") });
    }
    ~EngineProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }
    QString said()
    {
        m_said += QString::fromUtf8(m_process.readAllStandardError());
        return m_said;
    }
    bool isActive() { return said().contains(QLatin1String("engine: active")); }
    bool isStandby() { return said().contains(QLatin1String("engine: standby")); }
    qint64 pid() const { return m_process.processId(); }
    QProcess& process() { return m_process; }

private:
    QProcess m_process;
    QString m_said;
};

bool anyJobCopying(ConfigDb& db)
{
    auto jobs = JobRepo(db).list(true);
    return jobs && std::any_of(jobs->cbegin(), jobs->cend(), [](const JobRecord& job) {
        return job.state == JobState::Running && job.phase == JobPhase::Copying && job.bytesDone > 0;
    });
}

} // namespace

class TestFailover : public QObject
{
    Q_OBJECT

private slots:
    void standbyFinishesTheMigration()
    {
        CrowdedPool pool(6, 2 * MiB, qint64(14 * MiB), 48 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QVERIFY(!jobs.isEmpty());

        EngineProcess first(pool.workspace());
        QTRY_VERIFY2_WITH_TIMEOUT(first.isActive(), qPrintable(first.said()), 30000);
        EngineProcess second(pool.workspace());
        QTRY_VERIFY2_WITH_TIMEOUT(second.isStandby(), qPrintable(second.said()), 30000);
        QVERIFY(!second.isActive());

        // Killed in the middle of copying a user.
        QTRY_VERIFY_WITH_TIMEOUT(anyJobCopying(pool.db()), 60000);
        QElapsedTimer failover;
        failover.start();
        ::kill(static_cast<pid_t>(first.pid()), SIGKILL);
        QTRY_VERIFY2_WITH_TIMEOUT(second.isActive(), qPrintable(second.said()), 10000);
        qInfo("the standby took over %lld ms after the active engine was killed", failover.elapsed());

        QTRY_VERIFY_WITH_TIMEOUT(JobRepo(pool.db()).list(true).valueOr({ JobRecord() }).isEmpty(), 180000);
        for (qint64 id : jobs)
            QCOMPARE(toString(JobRepo(pool.db()).byId(id).value().state), QStringLiteral("done"));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

        // SIGTERM: the service stops cleanly and says so.
        ::kill(static_cast<pid_t>(second.pid()), SIGTERM);
        QVERIFY(second.process().waitForFinished(30000));
        QCOMPARE(second.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.process().exitCode(), 0);
        QVERIFY(second.said().contains(QLatin1String("stopping")));
        QVERIFY(EngineLock::holder(pool.workspace()).isNone());
    }

    // An engine that hangs (here: SIGSTOP) stops beating; the server ends its idle lock session
    // and the standby takes over. Woken up, the old one finds its lock gone and waits as a standby.
    void hungEngineLosesTheLock()
    {
        if (!PgServer::testsUsePostgres())
            QSKIP("the idle session timeout is PostgreSQL's; a hung process keeps a lock file");
        CrowdedPool pool(2, MiB, qint64(10 * MiB), 48 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        EngineProcess first(pool.workspace());
        QTRY_VERIFY2_WITH_TIMEOUT(first.isActive(), qPrintable(first.said()), 30000);
        EngineProcess second(pool.workspace());
        QTRY_VERIFY2_WITH_TIMEOUT(second.isStandby(), qPrintable(second.said()), 30000);

        QElapsedTimer failover;
        failover.start();
        ::kill(static_cast<pid_t>(first.pid()), SIGSTOP);
        QTRY_VERIFY2_WITH_TIMEOUT(second.isActive(), qPrintable(second.said()), 20000);
        qInfo("the standby took over %lld ms after the active engine hung", failover.elapsed());
        QCOMPARE(EngineLock::holder(pool.workspace()).pid, second.pid());

        ::kill(static_cast<pid_t>(first.pid()), SIGCONT);
        QTRY_VERIFY2_WITH_TIMEOUT(
            first.said().count(QLatin1String("engine: standby")) >= 1, qPrintable(first.said()), 20000);
        QCOMPARE(EngineLock::holder(pool.workspace()).pid, second.pid());
    }

    // A console of a shared ConfigDb neither scans nor drains by itself while an engine runs
    // elsewhere: it asks that engine through ConfigDb and signals the outcome as its own.
    void consoleAsksTheActiveEngine()
    {
        if (!PgServer::testsUsePostgres())
            QSKIP("requests go to the engine of a shared ConfigDb");
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 48 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        EngineProcess service(pool.workspace());
        QTRY_VERIFY2_WITH_TIMEOUT(service.isActive(), qPrintable(service.said()), 30000);

        Engine::Settings settings;
        settings.workspaceDir = pool.workspace();
        settings.askBeforeRunningSharedJobs = true;
        Engine console(settings);
        QSignalSpy scanned(&console, &Engine::scanFinished);
        QSignalSpy finished(&console, &Engine::commandFinished);
        console.start();
        auto carriedOutBy = [&] {
            auto row = pool.db().queryRow(QStringLiteral("SELECT carried_out_by FROM requests ORDER BY id DESC"));
            return row && !row->isEmpty() ? row->value(0).toString() : QString();
        };

        console.scanPool(QStringLiteral("main"), 7);
        QTRY_COMPARE_WITH_TIMEOUT(scanned.size(), 1, 30000);
        QCOMPARE(scanned.at(0).at(1).value<quint64>(), quint64(7));
        const auto report = scanned.at(0).at(0).value<ScanReport>();
        QCOMPARE(report.entries.size(), 4);
        // The service wrote its progress for the console (which may not have polled it in time).
        auto total = pool.db().queryRow(QStringLiteral("SELECT progress_total FROM requests WHERE kind = 'scan'"));
        QVERIFY(total && !total->isEmpty());
        QCOMPARE(total->value(0).toLongLong(), qint64(4));
        const QString expected = QStringLiteral("process %1 on").arg(service.pid());
        QVERIFY2(carriedOutBy().startsWith(expected), qPrintable(carriedOutBy()));
        QCOMPARE(finished.size(), 0); // a scan that succeeds says so with scanFinished alone

        console.drainStorage(QStringLiteral("s1"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        const auto drained = finished.at(0).at(0).value<CommandOutcome>();
        QCOMPARE(drained.command, EngineCommand::Drain);
        QVERIFY2(drained.succeeded(), qPrintable(drained.message()));
        QCOMPARE(drained.count, qint64(4));
        QVERIFY2(carriedOutBy().startsWith(expected), qPrintable(carriedOutBy()));
        // The service runs the moves; this console ran none.
        QCOMPARE(console.runningJobCount(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(JobRepo(pool.db()).list(true).value().isEmpty(), 120000);
        QCOMPARE(console.runningJobCount(), 0);
        for (const QString& user : pool.users())
            QVERIFY(pool.fixture().user(user).storageName != QLatin1String("s1"));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        console.stop();
    }

    // poolkeeper-cli does the same for scan and storage drain.
    void cliAsksTheActiveEngine()
    {
        if (!PgServer::testsUsePostgres())
            QSKIP("requests go to the engine of a shared ConfigDb");
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 48 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        EngineProcess service(pool.workspace());
        QTRY_VERIFY2_WITH_TIMEOUT(service.isActive(), qPrintable(service.said()), 30000);
        const QString expected = QStringLiteral("process %1 on").arg(service.pid());
        auto requestsCarriedOut = [&] {
            auto row = pool.db().queryRow(
                QStringLiteral("SELECT count(*) FROM requests WHERE state = 'done' AND carried_out_by LIKE ?"),
                { QString(expected + QStringLiteral("%")) });
            return row && !row->isEmpty() ? row->value(0).toLongLong() : -1;
        };
        CliRunner cli(pool.workspace());
        const CliResult scan = cli.run({ QStringLiteral("scan"), QStringLiteral("main"), QStringLiteral("--json") });
        QVERIFY2(scan.exitCode == 0, qPrintable(scan.describe()));
        QCOMPARE(QJsonDocument::fromJson(scan.out).array().size(), 4);
        QCOMPARE(requestsCarriedOut(), qint64(1));

        const CliResult drain = cli.run({ QStringLiteral("storage"), QStringLiteral("drain"), QStringLiteral("s1") });
        QVERIFY2(drain.exitCode == 0, qPrintable(drain.describe()));
        QVERIFY2(drain.out.contains("4 moves approved; the engine"), qPrintable(drain.describe()));
        QCOMPARE(requestsCarriedOut(), qint64(2));
        QTRY_VERIFY_WITH_TIMEOUT(JobRepo(pool.db()).list(true).value().isEmpty(), 120000);
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

        // A storage nobody knows: the engine's one-line error, exit 1, nothing asked stays behind.
        const CliResult unknown
            = cli.run({ QStringLiteral("storage"), QStringLiteral("drain"), QStringLiteral("nosuch") });
        QVERIFY2(unknown.exitCode != 0, qPrintable(unknown.describe()));
        QVERIFY2(unknown.err.contains("nosuch"), qPrintable(unknown.describe()));
        auto open
            = pool.db().queryRow(QStringLiteral("SELECT count(*) FROM requests WHERE state IN ('pending', 'running')"));
        QCOMPARE(open->value(0).toLongLong(), qint64(0));
    }

    // The PostgreSQL server goes away in the middle of a copy and comes back: the engine stops
    // its jobs at a safe point, reconnects and finishes them; no user is ever on two storages.
    void serverRestartMidJob()
    {
        if (!PgServer::testsUsePostgres())
            QSKIP("a PostgreSQL server restart; SQLite has no connection to lose");
        CrowdedPool pool(4, 2 * MiB, qint64(10 * MiB), 48 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QList<qint64> jobs = planAndApprove(pool);
        QVERIFY(!jobs.isEmpty());
        PgServer* server = PgServer::shared();
        QVERIFY(server);

        std::atomic<bool> copying { false };
        QTimer restarter;
        bool restarted = false;
        QString restartError;
        connect(&restarter, &QTimer::timeout, this, [&] {
            if (restarted || !copying)
                return;
            restarted = true;
            server->stop();
            server->restart(&restartError);
        });
        restarter.start(10);
        Engine::Settings settings;
        settings.workspaceDir = pool.workspace();
        settings.maxRateOverride = 2 * MiB;
        settings.phaseHook = [&](const JobRecord&, JobPhase phase) {
            if (phase == JobPhase::Copying)
                copying = true;
        };
        QVERIFY(runEngineUntilIdle(settings));
        QVERIFY(restarted);
        QVERIFY2(restartError.isEmpty(), qPrintable(restartError));

        // The fixture's own connection dropped too: it reconnects at a statement after the failed one.
        QTRY_VERIFY_WITH_TIMEOUT(pool.db().queryRow(QStringLiteral("SELECT 1")).isOk(), 30000);
        for (qint64 id : jobs)
            QCOMPARE(toString(JobRepo(pool.db()).byId(id).value().state), QStringLiteral("done"));
        const QStringList problems = pool.checkEveryUser();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestFailover)
#include "tst_failover.moc"
