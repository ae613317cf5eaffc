// poolkeeper: the desktop console.

#include "engine/demo.h"
#include "icons.h"
#include "mainwindow.h"
#include "master/workspace.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>

namespace {

struct Options
{
    QCommandLineOption workspace { QStringLiteral("workspace"),
        QStringLiteral("Open the workspace in DIR (created when missing)."), QStringLiteral("DIR") };
    QCommandLineOption demo { QStringLiteral("demo"),
        QStringLiteral("Open the demo workspace, creating it first when missing.") };
};

void setNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("poolkeeper"));
    QCoreApplication::setApplicationVersion(QStringLiteral(POOLKEEPER_VERSION));
}

void configure(QCommandLineParser& parser, const Options& options)
{
    parser.setApplicationDescription(QStringLiteral("Administration console for balancing backup storage pools."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(options.workspace);
    parser.addOption(options.demo);
}

} // namespace

int main(int argc, char* argv[])
{
    const Options options;
    {
        // --help, --version and a bad option are answered (and exit) without needing a display.
        QCoreApplication probe(argc, argv);
        setNames();
        QCommandLineParser parser;
        configure(parser, options);
        if (!parser.parse(probe.arguments())) {
            std::fprintf(stderr, "poolkeeper: %s; see 'poolkeeper --help'\n",
                qPrintable(parser.errorText().chopped(parser.errorText().endsWith(u'.') ? 1 : 0)));
            return 2;
        }
        if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all")))
            parser.showHelp(0);
        if (parser.isSet(QStringLiteral("version")))
            parser.showVersion();
    }

    QApplication app(argc, argv);
    setNames();
    QApplication::setApplicationDisplayName(QStringLiteral("Poolkeeper"));
    QApplication::setDesktopFileName(QStringLiteral("org.poolkeeper.Poolkeeper"));
    pk::icons::initResources();
    QApplication::setWindowIcon(pk::icons::app());
    QCommandLineParser parser;
    configure(parser, options);
    parser.process(app);

    pk::MainWindow window;
    window.show();
    if (parser.isSet(options.demo) && !parser.isSet(options.workspace))
        window.openDemo();
    else
        window.openWorkspace(pk::Workspace::resolveDirectory(parser.value(options.workspace)));
    return app.exec();
}
