#include "commands.h"
#include "context.h"
#include "master/master.h"
#include "texttable.h"
#include "util/sizes.h"

#include <QJsonArray>
#include <QJsonObject>

namespace pk::cli {

namespace {

int runStatus(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto pools = Master(**db).status(args.positional.value(0));
    if (!pools)
        return context.fail(pools.error());
    if (args.has(QStringLiteral("json"))) {
        QJsonArray poolArray;
        for (const PoolStatus& pool : std::as_const(*pools)) {
            QJsonArray storages;
            for (const StorageStatus& storage : pool.storages) {
                QJsonObject object = storageStatusJson(storage.usage);
                object.insert(QStringLiteral("users"), storage.users);
                object.insert(QStringLiteral("paused"), storage.paused);
                storages.append(object);
            }
            poolArray.append(QJsonObject { { QStringLiteral("name"), pool.pool.name },
                { QStringLiteral("state"), toString(pool.state) },
                { QStringLiteral("high_percent"), pool.pool.highPercent },
                { QStringLiteral("low_percent"), pool.pool.lowPercent },
                { QStringLiteral("mode"), toString(pool.pool.mode) }, { QStringLiteral("storages"), storages } });
        }
        context.printJson(QJsonDocument(QJsonObject { { QStringLiteral("pools"), poolArray } }));
        return 0;
    }
    for (const PoolStatus& pool : std::as_const(*pools)) {
        context.out() << "pool '" << pool.pool.name << "': " << toString(pool.state) << " (high "
                      << pool.pool.highPercent << " %, low " << pool.pool.lowPercent << " %, "
                      << toString(pool.pool.mode) << " mode)\n";
        TextTable table(
            { QStringLiteral("  STORAGE"), QStringLiteral("STATE"), QStringLiteral("USED %"), QStringLiteral("USED"),
                QStringLiteral("CAPACITY"), QStringLiteral("USERS"), QStringLiteral("NOTE") },
            { false, false, true, true, true, true, false });
        for (const StorageStatus& storage : pool.storages) {
            table.addRow({ QStringLiteral("  ") + storage.usage.storage.name, toString(storage.usage.effectiveState()),
                QString::number(storage.usage.usedPercent(), 'f', 1), formatBytes(storage.usage.storage.usedBytes),
                formatBytes(storage.usage.capacityBytes), QString::number(storage.users),
                storage.paused ? QStringLiteral("compaction and sync paused (migration)") : QString() });
        }
        table.print(context.out());
    }
    if (pools->isEmpty())
        context.out() << "no pools yet: add one with 'poolkeeper-cli pool add NAME'\n";
    return 0;
}

} // namespace

QList<CommandSpec> statusCommands()
{
    return {
        { { QStringLiteral("status") }, QStringLiteral("[POOL]"), 0, 1,
            QStringLiteral("show pools, their balance and storage usage"), {},
            { { QStringLiteral("json"), {}, QStringLiteral("print JSON instead of text") } }, runStatus },
    };
}

QList<CommandSpec> allCommands()
{
    QList<CommandSpec> commands = adminCommands();
    commands += dataCommands();
    commands += statusCommands();
    commands += balanceCommands();
    commands += jobCommands();
    commands += logCommands();
    commands += bundleCommands();
    return commands;
}

} // namespace pk::cli
