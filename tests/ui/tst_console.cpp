// The console as a user drives it, offscreen: open the demo, scan, approve the plan with the
// button, watch the migration; the chart, the jobs view and ConfigDb must agree. Also: the window
// stays responsive during a large migration, closing during a job and reopening resumes it, and a
// pool added through the dialog appears.

#include "charts/capacitychart.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "dialogs/addpooldialog.h"
#include "engine/demo.h"
#include "enginecontroller.h"
#include "guistallmeter.h"
#include "logs/logdocument.h"
#include "logs/logquery.h"
#include "logs/logtablemodel.h"
#include "logviewer/jobtimelinewidget.h"
#include "logviewer/logfilterbar.h"
#include "logviewer/logviewerwindow.h"
#include "mainwindow.h"
#include "master/master.h"
#include "master/workspace.h"
#include "models/jobmodel.h"
#include "models/pooltreemodel.h"
#include "models/scanmodel.h"
#include "panels/dashboardpanel.h"
#include "panels/migrationspanel.h"
#include "panels/scanreviewpanel.h"
#include "panels/welcomepage.h"
#include "testtree.h"
#include "uihelpers.h"
#include "util/sizes.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

namespace {

std::unique_ptr<ConfigDb> openDb(const QString& workspace)
{
    return ConfigDb::open(Workspace::configDbPath(workspace), ConfigDb::OpenMode::MustExist).value();
}

bool allJobsFinished(const EngineController* controller)
{
    const auto& jobs = controller->jobs();
    return !jobs.isEmpty()
        && std::all_of(jobs.cbegin(), jobs.cend(), [](const JobRecord& job) { return !isActive(job.state); });
}

// Setting up a workspace must work, or nothing the test checks after it means anything.
template<typename R> void must(const R& result, const char* what)
{
    if (!result)
        qFatal("%s failed: %s", what, qPrintable(result.message()));
}

// A workspace with one full storage holding a big user and a few small ones, and an empty one.
QString makeWorkspace(const QString& root, qint64 bigUserBytes, qint64 maxRate = 0)
{
    QString workspace = root + QStringLiteral("/ws");
    auto db = Workspace::create(workspace);
    Master master(**db);
    must(master.addPool(QStringLiteral("main"), 80, 70, PoolMode::Review), "adding the pool");
    if (maxRate > 0) {
        PoolRecord pool = PoolRepo(**db).byName(QStringLiteral("main")).value();
        pool.maxRateBytes = maxRate;
        must(PoolRepo(**db).update(pool), "setting the rate");
    }
    QDir().mkpath(root + QStringLiteral("/s1"));
    QDir().mkpath(root + QStringLiteral("/s2"));
    const auto quota = static_cast<qint64>(static_cast<double>(bigUserBytes + 2 * MiB) / 0.85);
    must(master.addStorage(QStringLiteral("main"), QStringLiteral("s1"), root + QStringLiteral("/s1"), quota),
        "adding s1");
    QDir().mkpath(root + QStringLiteral("/src/big"));
    writeRandomFile(root + QStringLiteral("/src/big/data.bin"), bigUserBytes, 3);
    must(master.backup(QStringLiteral("big"), root + QStringLiteral("/src/big"), QString()), "backing up big");
    QDir().mkpath(root + QStringLiteral("/src/small"));
    writeRandomFile(root + QStringLiteral("/src/small/data.bin"), 2 * MiB, 4);
    must(master.backup(QStringLiteral("small"), root + QStringLiteral("/src/small"), QString()), "backing up small");
    must(master.addStorage(QStringLiteral("main"), QStringLiteral("s2"), root + QStringLiteral("/s2"), 8 * quota),
        "adding s2");
    return workspace;
}

} // namespace

class TestConsole : public QObject
{
    Q_OBJECT
private slots:
    void scanApproveAndWatchTheMigration()
    {
        QTemporaryDir dir;
        const QString demo = dir.filePath(QStringLiteral("demo"));
        QVERIFY(DemoWorkspace::create(demo));
        MainWindow window;
        window.show();
        window.openWorkspace(demo);
        QTRY_VERIFY_WITH_TIMEOUT(window.currentPool() == QLatin1String("demo"), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.controller()->pool(QStringLiteral("demo"))->state == PoolState::Unbalanced, 30000);

        // Scan with the button, as a user would.
        window.showPage(MainWindow::Page::ScanReview);
        QTest::mouseClick(window.scanReview()->scanButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.scanReview()->model()->plan().id > 0 && !window.scanReview()->isBusy(), 60000);
        ScanModel* scan = window.scanReview()->model();
        QCOMPARE(scan->rowCount(), 10);
        QStringList notMovable;
        for (int row = 0; row < scan->rowCount(); ++row) {
            if (!scan->index(row, 0).data(ScanModel::CandidateRole).toBool())
                notMovable.append(scan->index(row, 0).data(ScanModel::UserNameRole).toString());
        }
        notMovable.sort();
        QCOMPARE(notMovable, (QStringList { QStringLiteral("archive-team"), QStringLiteral("heidi") }));
        QVERIFY(scan->plannedCount() > 0);
        QVERIFY(window.scanReview()->approveButton()->isEnabled());

        // One click approves the whole plan; the migrations follow.
        QTest::mouseClick(window.scanReview()->approveButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(allJobsFinished(window.controller()), 120000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.controller()->pool(QStringLiteral("demo"))->state == PoolState::Balanced, 30000);

        // The chart, the jobs view and ConfigDb agree.
        auto db = openDb(demo);
        const QList<StorageRecord> storages = StorageRepo(*db).list().value();
        for (const StorageUsage& usage : measureStorages(storages)) {
            QTRY_VERIFY2_WITH_TIMEOUT(
                qAbs(window.dashboard()->capacityChart()->usedPercentShown(usage.storage.name) - usage.usedPercent())
                    < 0.01,
                qPrintable(usage.storage.name), 30000);
            QCOMPARE(window.dashboard()->capacityChart()->reservedPercentShown(usage.storage.name), 0.0);
        }
        const QList<JobRecord> jobs = JobRepo(*db).list().value();
        JobModel* model = window.migrations()->model();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), static_cast<int>(jobs.size()), 10000);
        for (const JobRecord& job : jobs) {
            const int row = model->rowOf(job.id);
            QVERIFY(row >= 0);
            QCOMPARE(model->index(row, JobModel::StateColumn).data().toString(), QStringLiteral("Done"));
            QCOMPARE(toString(job.state), QStringLiteral("done"));
        }
        const StorageRecord source = StorageRepo(*db).byName(QStringLiteral("store-a")).value();
        QVERIFY(measureStorage(source).usedPercent() < 80);
        QCOMPARE(toString(source.state), QStringLiteral("online"));
        QCOMPARE(window.dashboard()->capacityChart()->stateShown(QStringLiteral("store-a")), QStringLiteral("Normal"));

        // The migrations view opens the log viewer on the selected job's lines.
        window.showPage(MainWindow::Page::Migrations);
        const qint64 shown = jobs.constFirst().id;
        window.migrations()->table()->selectRow(model->rowOf(shown));
        QTest::mouseClick(window.migrations()->logButton(), Qt::LeftButton);
        QTRY_COMPARE(window.findChildren<LogViewerWindow*>().size(), 1);
        LogViewerWindow* viewer = window.findChildren<LogViewerWindow*>().constFirst();
        QVERIFY(viewer->isVisible());
        QCOMPARE(viewer->filterBar()->jobEdit()->text(), QString::number(shown));
        QTRY_VERIFY_WITH_TIMEOUT(viewer->document()->isFinished() && !viewer->query()->isRunning(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(viewer->model()->rowCount() > 0, 30000);
        QSet<QString> phases;
        for (int row = 0; row < viewer->model()->rowCount(); ++row) {
            QCOMPARE(viewer->model()->index(row, LogTableModel::JobColumn).data().toString(), QString::number(shown));
            phases.insert(viewer->model()->index(row, LogTableModel::PhaseColumn).data().toString());
        }
        QVERIFY2(phases.contains(QStringLiteral("verifying")),
            qPrintable(QStringList(phases.cbegin(), phases.cend()).join(u',')));
        QTRY_COMPARE_WITH_TIMEOUT(viewer->timeline()->selectedJob(), shown, 10000);
        viewer->close();

        window.close();
        QTRY_VERIFY_WITH_TIMEOUT(!window.controller()->isStarted(), 30000);
    }

    void staysResponsiveDuringALargeMigration()
    {
        QTemporaryDir dir;
        const QString workspace = makeWorkspace(dir.path(), 160 * MiB);
        MainWindow window;
        window.show();
        window.openWorkspace(workspace);
        QTRY_VERIFY_WITH_TIMEOUT(window.currentPool() == QLatin1String("main"), 30000);
        window.showPage(MainWindow::Page::ScanReview);
        QTest::mouseClick(window.scanReview()->scanButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.scanReview()->model()->plan().id > 0 && !window.scanReview()->isBusy(), 60000);
        QCOMPARE(window.scanReview()->model()->plan().moves.size(), 1);

        // The GUI thread's stalls while the big user moves, against the move's own duration.
        GuiStallMeter meter([&] { return window.controller()->activeJobCount() > 0; });
        QTest::mouseClick(window.scanReview()->approveButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->activeJobCount() > 0, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(allJobsFinished(window.controller()), 180000);
        meter.stop();
        qInfo("%s", qPrintable(meter.describe()));
        QVERIFY2(meter.responsive(), qPrintable(meter.describe()));
        window.close();
        QTRY_VERIFY_WITH_TIMEOUT(!window.controller()->isStarted(), 30000);
    }

    void closingDuringAJobThenReopeningResumesIt()
    {
        QTemporaryDir dir;
        const QString workspace = makeWorkspace(dir.path(), 12 * MiB, 2 * MiB);
        qint64 jobId = 0;
        {
            MainWindow window;
            window.show();
            window.openWorkspace(workspace);
            QTRY_VERIFY_WITH_TIMEOUT(window.currentPool() == QLatin1String("main"), 30000);
            window.showPage(MainWindow::Page::ScanReview);
            QTest::mouseClick(window.scanReview()->scanButton(), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(
                window.scanReview()->model()->plan().id > 0 && !window.scanReview()->isBusy(), 60000);
            QTest::mouseClick(window.scanReview()->approveButton(), Qt::LeftButton);
            // Throttled to 2 MiB/s: the job is still copying when the window closes.
            QTRY_VERIFY_WITH_TIMEOUT(
                std::any_of(window.controller()->jobs().cbegin(), window.controller()->jobs().cend(),
                    [](const JobRecord& job) { return job.state == JobState::Running; }),
                30000);
            jobId = window.controller()->jobs().constFirst().id;
            QSignalSpy stopped(&window, &MainWindow::engineStopped);
            answerNextMessageBox(QMessageBox::Yes);
            window.close();
            QVERIFY(stopped.wait(60000));
            QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), 10000);
        }
        auto db = openDb(workspace);
        const JobRecord interrupted = JobRepo(*db).byId(jobId).value();
        QCOMPARE(toString(interrupted.state), QStringLiteral("pending"));
        QVERIFY(interrupted.phase != JobPhase::Queued && interrupted.phase != JobPhase::Done);
        // Unthrottled now, so the resumed job ends quickly.
        PoolRecord pool = PoolRepo(*db).byName(QStringLiteral("main")).value();
        pool.maxRateBytes = 0;
        QVERIFY(PoolRepo(*db).update(pool));

        MainWindow again;
        again.show();
        again.openWorkspace(workspace);
        QTRY_VERIFY_WITH_TIMEOUT(allJobsFinished(again.controller()), 120000);
        QCOMPARE(toString(JobRepo(*db).byId(jobId)->state), QStringLiteral("done"));
        Master master(*db);
        const QString target = dir.filePath(QStringLiteral("restored"));
        auto restored = master.restore(QStringLiteral("big"), target, QString(), {});
        QVERIFY2(restored, qPrintable(restored.message()));
        QVERIFY(compareTrees(dir.filePath(QStringLiteral("src/big")), target, false).isEmpty());
        again.close();
        QTRY_VERIFY_WITH_TIMEOUT(!again.controller()->isStarted(), 30000);
    }

    // What the engine did reaches the console as a typed outcome, not as text to match.
    void approveReachesTheConsoleAsATypedOutcome()
    {
        QTemporaryDir dir;
        const QString workspace = makeWorkspace(dir.path(), 6 * MiB);
        EngineController controller(workspace);
        QSignalSpy started(&controller, &EngineController::started);
        controller.start();
        QVERIFY(started.wait(30000));
        QSignalSpy planned(&controller, &EngineController::planReady);
        QSignalSpy scanned(&controller, &EngineController::scanFinished);
        controller.scan(QStringLiteral("main"));
        QVERIFY(scanned.wait(60000));
        controller.plan(QStringLiteral("main"));
        QTRY_VERIFY_WITH_TIMEOUT(!planned.isEmpty(), 60000);
        const auto plan = planned.last().at(0).value<PlanRecord>();
        QVERIFY(!plan.moves.isEmpty());

        QSignalSpy outcomes(&controller, &EngineController::commandFinished);
        controller.approve(QStringLiteral("main"));
        QVERIFY(outcomes.wait(30000));
        auto outcome = outcomes.takeFirst().at(0).value<CommandOutcome>();
        QCOMPARE(outcome.command, EngineCommand::Approve);
        QCOMPARE(outcome.result, CommandResult::Done);
        QCOMPARE(outcome.subject, QStringLiteral("main"));
        QCOMPARE(outcome.count, qint64(plan.moves.size()));
        QVERIFY(outcome.succeeded());
        QVERIFY(!outcome.message().isEmpty());

        // A command that fails says so by its result, with the error as its message.
        controller.approve(QStringLiteral("no such pool"));
        QTRY_VERIFY_WITH_TIMEOUT(!outcomes.isEmpty(), 30000);
        outcome = outcomes.takeFirst().at(0).value<CommandOutcome>();
        QCOMPARE(outcome.command, EngineCommand::Approve);
        QCOMPARE(outcome.result, CommandResult::Failed);
        QVERIFY(!outcome.succeeded());
        QVERIFY(!outcome.message().isEmpty());

        // A cancel the engine refuses names why.
        QTRY_VERIFY_WITH_TIMEOUT(allJobsFinished(&controller), 120000);
        const qint64 jobId = controller.jobs().constFirst().id;
        controller.cancelJob(jobId);
        QTRY_VERIFY_WITH_TIMEOUT(!outcomes.isEmpty(), 30000);
        outcome = outcomes.takeFirst().at(0).value<CommandOutcome>();
        QCOMPARE(outcome.command, EngineCommand::CancelJob);
        QCOMPARE(outcome.result, CommandResult::JobNotActive);
        QCOMPARE(outcome.jobId, jobId);
        QVERIFY(outcome.message().contains(QString::number(jobId)));

        QSignalSpy stopped(&controller, &EngineController::stopped);
        controller.stop();
        QVERIFY(stopped.wait(30000));
    }

    // The demo is created by the engine in its thread; the window only asks for it.
    void openingTheDemoCreatesIt()
    {
        QTemporaryDir dir;
        const QString demo = dir.filePath(QStringLiteral("demo"));
        MainWindow window;
        window.setDemoDirectory(demo);
        window.show();
        window.openDemo();
        QTRY_VERIFY_WITH_TIMEOUT(window.currentPool() == QLatin1String("demo"), 120000);
        QVERIFY(DemoWorkspace::exists(demo));
        QVERIFY(window.tabs()->isVisible());
        window.close();
        QTRY_VERIFY_WITH_TIMEOUT(!window.controller()->isStarted(), 30000);
    }

    void addPoolThroughTheDialog()
    {
        QTemporaryDir dir;
        MainWindow window;
        window.show();
        window.openWorkspace(dir.filePath(QStringLiteral("fresh")));
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->isStarted(), 30000);
        QVERIFY(window.welcome()->isVisible());
        whenDialogOpens<AddPoolDialog>([](AddPoolDialog* dialog) {
            QTest::keyClicks(dialog->nameEdit(), QStringLiteral("Backups Nord"));
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        QTest::mouseClick(window.welcome()->createPoolButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(window.currentPool(), QStringLiteral("Backups Nord"), 30000);
        QVERIFY(window.tabs()->isVisible());
        QCOMPARE(window.poolModel()->rowCount(), 1);
        window.close();
        QTRY_VERIFY_WITH_TIMEOUT(!window.controller()->isStarted(), 30000);
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
