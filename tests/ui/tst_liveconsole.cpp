// A console on a shared (PostgreSQL) ConfigDb: it shows what another process changes within a
// second, does not run the jobs unless asked to, and shows a lost connection as a banner until
// the server is back. Runs against a throwaway PostgreSQL server that the test starts.

#include "clirunner.h"
#include "enginecontroller.h"
#include "mainwindow.h"
#include "pgserver.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

class TestLiveConsole : public QObject
{
    Q_OBJECT

    PgServer* m_server = nullptr;

private slots:
    void initTestCase()
    {
        QString error;
        m_server = PgServer::shared(&error);
        QVERIFY2(m_server, qPrintable(error));
    }

    void showsChangesFromAnotherProcess()
    {
        QTemporaryDir dir;
        const ConfigDbLocation db = m_server->createDatabase(QStringLiteral("live"));
        QVERIFY(db.isPostgres());
        CliRunner cli(dir.filePath(QStringLiteral("ws")));
        QVERIFY(cli.runSteps({ { QStringLiteral("init"), QStringLiteral("--configdb"), db.url() },
            { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("first") } }));

        EngineController controller(cli.workspace());
        QSignalSpy started(&controller, &EngineController::started);
        controller.start();
        QVERIFY(started.wait(30000));
        // A console does not replace the master server's engine on its own.
        QVERIFY(!controller.info().runsJobs);
        QVERIFY(controller.info().canRunJobs);
        QTRY_VERIFY_WITH_TIMEOUT(controller.pool(QStringLiteral("first")).has_value(), 10000);

        // Another process (another machine) adds a pool: the console shows it within a second.
        QVERIFY(cli.runSteps({ { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("second") } }));
        QElapsedTimer shown;
        shown.start();
        QTRY_VERIFY_WITH_TIMEOUT(controller.pool(QStringLiteral("second")).has_value(), 1000);
        qInfo("the change showed %lld ms after the other process committed it", shown.elapsed());

        // Asked to, it runs the jobs itself.
        QSignalSpy role(&controller, &EngineController::roleChanged);
        controller.runJobsHere();
        QTRY_VERIFY_WITH_TIMEOUT(controller.info().runsJobs, 10000);
        const CliResult status = cli.run({ QStringLiteral("status"), QStringLiteral("--json") });
        QCOMPARE(
            status.json().object().value(QLatin1String("engine")).toObject().value(QLatin1String("pid")).toInteger(),
            QCoreApplication::applicationPid());
        QSignalSpy stopped(&controller, &EngineController::stopped);
        controller.stop();
        QVERIFY(stopped.wait(30000));
    }

    void lostConnectionIsABanner()
    {
        QTemporaryDir dir;
        const ConfigDbLocation db = m_server->createDatabase(QStringLiteral("banner"));
        CliRunner cli(dir.filePath(QStringLiteral("ws")));
        QVERIFY(cli.runSteps({ { QStringLiteral("init"), QStringLiteral("--configdb"), db.url() },
            { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("main") } }));
        MainWindow window;
        window.show();
        window.openWorkspace(cli.workspace());
        QTRY_VERIFY_WITH_TIMEOUT(window.currentPool() == QLatin1String("main"), 30000);
        auto* banner = window.findChild<QLabel*>(QStringLiteral("connectionBanner"));
        auto* runHere = window.findChild<QPushButton*>(QStringLiteral("runEngineHere"));
        QVERIFY(banner && runHere);
        QVERIFY(!banner->isVisible());
        // No engine runs the jobs: the console offers to run them here.
        QTRY_VERIFY_WITH_TIMEOUT(runHere->isVisible(), 10000);

        m_server->stop();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
        QVERIFY(banner->text().contains(QLatin1String("lost the connection")));
        QVERIFY(!runHere->isVisible());
        QVERIFY(m_server->restart());
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 30000);
        // Back on line, changes made meanwhile show.
        QVERIFY(cli.runSteps({ { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("later") } }));
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->pool(QStringLiteral("later")).has_value(), 5000);

        // Clicking the button makes this console run the jobs.
        QTRY_VERIFY_WITH_TIMEOUT(runHere->isVisible(), 10000);
        QTest::mouseClick(runHere, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->info().runsJobs, 10000);
        QTRY_VERIFY(!runHere->isVisible());
    }
};

QTEST_MAIN(TestLiveConsole)
#include "tst_liveconsole.moc"
