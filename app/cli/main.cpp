// poolkeeper-cli: the scriptable face of the Poolkeeper engine.

#include "commandline.h"
#include "commands.h"
#include "context.h"
#include "master/workspace.h"

#include <QCoreApplication>

#include <cstdio>
#include <exception>

namespace {

int run(int argc, char* argv[])
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

} // namespace

int main(int argc, char* argv[])
{
    // Nothing we call reports errors by exception; an allocation failure (std::bad_alloc) is the
    // one that can reach here, and a one-line error serves better than std::terminate's abort.
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "poolkeeper-cli: internal error: %s\n", error.what());
        return 1;
    }
}
