// poolkeeper: the desktop console.

#include "mainwindow.h"

#include "master/master.h"
#include "master/workspace.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("poolkeeper"));
    QApplication::setApplicationDisplayName(QStringLiteral("Poolkeeper"));
    QApplication::setApplicationVersion(QStringLiteral(POOLKEEPER_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Administration console for balancing backup storage pools."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workspaceOption(QStringLiteral("workspace"), QStringLiteral("The workspace directory to open."), QStringLiteral("DIR"));
    parser.addOption(workspaceOption);
    parser.process(app);

    const QString workspace = pk::Workspace::resolveDirectory(parser.value(workspaceOption));
    pk::MainWindow window;
    auto db = pk::Workspace::create(workspace);
    if (!db) {
        window.showError(db.message());
    } else {
        auto pools = pk::Master(**db).status();
        if (pools)
            window.showPools(*pools, workspace);
        else
            window.showError(pools.message());
    }
    window.show();
    return app.exec();
}
