// Two engine services for one ConfigDb: the standby takes over when the active one is killed in
// the middle of a migration, finishes its jobs, and every user restores byte for byte. Runs on
// SQLite (the lock file) and on PostgreSQL (the session lock).

#include "clirunner.h"
#include "configdb/jobrepo.h"
#include "enginefixture.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTest>

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
};

QTEST_GUILESS_MAIN(TestFailover)
#include "tst_failover.moc"
