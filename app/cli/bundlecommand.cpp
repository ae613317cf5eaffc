#include "commands.h"
#include "context.h"
#include "engine/supportbundle.h"
#include "master/master.h"
#include "util/sizes.h"

namespace pk::cli {

namespace {

int runBundle(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    Master master(**db);
    auto result
        = SupportBundle::write(master, args.positional.at(0), [&](const QString& line) { context.progress(line); });
    context.endProgress();
    if (!result)
        return context.fail(result.error());
    for (const QString& note : std::as_const(result->notes))
        context.warn(note);
    context.out() << "wrote " << args.positional.at(0) << " (" << formatBytes(result->bytes) << ", "
                  << result->entries.size() << " files)\n";
    return 0;
}

} // namespace

QList<CommandSpec> bundleCommands()
{
    return {
        { { QStringLiteral("bundle") }, QStringLiteral("OUT.tar.gz"), 1, 1, QStringLiteral("write a support bundle"),
            QStringLiteral(
                "For a support engineer: a consistent copy of ConfigDb, every storage's inSyncMigration.log with its\n"
                "rotations, the last scans and plans, jobs, alerts and versions. Never any backup data."),
            {}, runBundle },
    };
}

} // namespace pk::cli
