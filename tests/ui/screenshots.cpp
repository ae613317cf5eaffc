// poolkeeper-screenshots OUTDIR [--dark]: drives the real console on a fresh demo workspace (scan,
// approve, migrate) and saves the dashboard, the scan review, the migrations view and the log viewer
// as PNG files for the README. Run with QT_QPA_PLATFORM=offscreen; installer/make-screenshots.sh does.

#include "charts/capacitychart.h"
#include "charts/historychart.h"
#include "engine/demo.h"
#include "logs/logdocument.h"
#include "logs/logquery.h"
#include "logs/logtablemodel.h"
#include "logviewer/jobtimelinewidget.h"
#include "logviewer/logsearchbar.h"
#include "logviewer/logviewerwindow.h"
#include "mainwindow.h"
#include "models/jobmodel.h"
#include "models/scanmodel.h"
#include "panels/dashboardpanel.h"
#include "panels/migrationspanel.h"
#include "panels/scanreviewpanel.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <functional>

namespace {

bool waitFor(const std::function<bool()>& condition, int timeoutMs = 120000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    return true;
}

bool save(QWidget* window, const QString& path)
{
    QCoreApplication::processEvents();
    const bool ok = window->grab().save(path);
    std::printf("%s %s\n", ok ? "wrote" : "could not write", qPrintable(path));
    return ok;
}

QPalette darkPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(37, 40, 45));
    palette.setColor(QPalette::WindowText, QColor(230, 230, 230));
    palette.setColor(QPalette::Base, QColor(28, 30, 34));
    palette.setColor(QPalette::AlternateBase, QColor(45, 48, 54));
    palette.setColor(QPalette::Text, QColor(230, 230, 230));
    palette.setColor(QPalette::Button, QColor(50, 54, 60));
    palette.setColor(QPalette::ButtonText, QColor(230, 230, 230));
    palette.setColor(QPalette::Highlight, QColor(47, 123, 217));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::ToolTipBase, QColor(50, 54, 60));
    palette.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
    return palette;
}

} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: poolkeeper-screenshots OUTDIR [--dark]\n");
        return 2;
    }
    const QString& out = args.at(1);
    const bool dark = args.contains(QStringLiteral("--dark"));
    const QString suffix = dark ? QStringLiteral("-dark") : QString();
    if (dark)
        QApplication::setPalette(darkPalette());
    QDir().mkpath(out);
    QTemporaryDir temporary;
    const QString demo = temporary.filePath(QStringLiteral("demo"));
    if (auto status = pk::DemoWorkspace::create(demo); !status) {
        std::fprintf(stderr, "cannot create the demo: %s\n", qPrintable(status.message()));
        return 1;
    }

    pk::MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.openWorkspace(demo);
    if (!waitFor([&] { return !window.currentPool().isEmpty() && window.controller()->isStarted(); }))
        return 1;
    // Let the engine mark the full storage and sample the pool before the first picture.
    waitFor(
        [&] {
            const auto pool = window.controller()->pool(window.currentPool());
            return pool && pool->state == pk::PoolState::Unbalanced;
        },
        10000);
    window.showPage(pk::MainWindow::Page::Dashboard);
    waitFor([&] { return window.dashboard()->historyChart()->pointCount(QStringLiteral("store-a")) > 0; }, 10000);
    bool ok = save(&window, out + QStringLiteral("/dashboard%1.png").arg(suffix));

    window.showPage(pk::MainWindow::Page::ScanReview);
    QTest::mouseClick(window.scanReview()->scanButton(), Qt::LeftButton);
    if (!waitFor([&] { return window.scanReview()->model()->plan().id > 0 && !window.scanReview()->isBusy(); }))
        return 1;
    ok = save(&window, out + QStringLiteral("/scan-review%1.png").arg(suffix)) && ok;

    QTest::mouseClick(window.scanReview()->approveButton(), Qt::LeftButton);
    if (!waitFor([&] {
            const auto& jobs = window.controller()->jobs();
            return !jobs.isEmpty() && std::all_of(jobs.cbegin(), jobs.cend(), [](const pk::JobRecord& job) {
                return !pk::isActive(job.state);
            });
        }))
        return 1;
    window.showPage(pk::MainWindow::Page::Migrations);
    window.migrations()->selectJob(window.controller()->jobs().constFirst().id);
    ok = save(&window, out + QStringLiteral("/migrations%1.png").arg(suffix)) && ok;
    window.showPage(pk::MainWindow::Page::Dashboard);
    // The chart follows the engine's samples: wait until it shows store-a back under high.
    waitFor(
        [&] { return window.dashboard()->capacityChart()->usedPercentShown(QStringLiteral("store-a")) < 80; }, 10000);
    ok = save(&window, out + QStringLiteral("/dashboard-after%1.png").arg(suffix)) && ok;

    // The pool's migration log, merged, with its job timeline and a search.
    if (pk::LogViewerWindow* viewer = window.showMigrationLog()) {
        viewer->resize(1280, 720);
        viewer->setFollowing(false);
        viewer->searchBar()->setPattern(QStringLiteral("verif"));
        waitFor([&] {
            return viewer->document()->isFinished() && !viewer->timeline()->jobs().isEmpty()
                && !viewer->query()->isRunning();
        });
        viewer->goToRow(viewer->model()->rowForDocumentRow(viewer->query()->nextMatch(-1)));
        waitFor([&] { return viewer->searchBar()->statusLabel()->text().contains(QStringLiteral(" of ")); }, 10000);
        ok = save(viewer, out + QStringLiteral("/log-viewer%1.png").arg(suffix)) && ok;
        viewer->close();
    } else {
        ok = false;
    }
    window.close();
    waitFor([&] { return !window.controller()->isStarted(); }, 30000);
    return ok ? 0 : 1;
}
