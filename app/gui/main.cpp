// poolkeeper: the desktop console.

#include "engine/demo.h"
#include "icons.h"
#include "mainwindow.h"
#include "master/workspace.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("poolkeeper"));
    QApplication::setApplicationDisplayName(QStringLiteral("Poolkeeper"));
    QApplication::setApplicationVersion(QStringLiteral(POOLKEEPER_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.poolkeeper.Poolkeeper"));
    pk::icons::initResources();
    QApplication::setWindowIcon(pk::icons::app());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Administration console for balancing backup storage pools."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workspaceOption(QStringLiteral("workspace"),
        QStringLiteral("Open the workspace in DIR (created when missing)."), QStringLiteral("DIR"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"), QStringLiteral("Open the demo workspace, creating it first when missing."));
    parser.addOption(workspaceOption);
    parser.addOption(demoOption);
    parser.process(app);

    pk::MainWindow window;
    window.show();
    if (parser.isSet(demoOption) && !parser.isSet(workspaceOption))
        window.openDemo();
    else
        window.openWorkspace(pk::Workspace::resolveDirectory(parser.value(workspaceOption)));
    return app.exec();
}
