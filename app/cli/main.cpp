// poolkeeper-cli: the scriptable face of the Poolkeeper engine.

#include "commandline.h"
#include "commands.h"
#include "context.h"
#include "master/workspace.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("poolkeeper"));
    QCoreApplication::setApplicationVersion(QStringLiteral(POOLKEEPER_VERSION));
    pk::cli::Context::installSignalHandlers();

    const QList<pk::cli::CommandSpec> commands = pk::cli::allCommands();
    QStringList arguments = QCoreApplication::arguments();
    arguments.removeFirst();
    auto invocation = pk::cli::parseCommandLine(arguments, commands);
    if (!invocation) {
        pk::cli::Context context { QString() };
        return context.fail(invocation.error());
    }
    pk::cli::Context context(pk::Workspace::resolveDirectory(invocation->workspace));
    if (invocation->version && !invocation->command) {
        context.out() << "poolkeeper-cli " << POOLKEEPER_VERSION << '\n';
        return 0;
    }
    if (!invocation->command) {
        context.out() << pk::cli::globalHelp(commands);
        return 0;
    }
    if (invocation->help) {
        context.out() << pk::cli::commandHelp(*invocation->command);
        return 0;
    }
    return invocation->command->run(context, invocation->args);
}
