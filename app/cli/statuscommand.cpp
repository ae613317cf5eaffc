#include "commands.h"
#include "configdb/enginerepo.h"
#include "context.h"
#include "engine/enginelock.h"
#include "master/master.h"
#include "texttable.h"
#include "util/sizes.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

namespace pk::cli {

namespace {

// The engine running the jobs, as status shows it; nullopt when none runs.
struct EngineSummary
{
    QString host;
    qint64 pid = 0;
    qint64 sinceMs = 0;
    int standbys = 0;
};

std::optional<EngineSummary> runningEngine(Context& context, ConfigDb& db)
{
    EngineRepo repo(db);
    auto active = repo.active();
    const EngineHolder holder = EngineLock::holder(context.workspaceDir(), db);
    if (holder.isNone())
        return std::nullopt;
    EngineSummary summary { holder.host, holder.pid, 0, 0 };
    if (active && active->has_value() && (*active)->pid == holder.pid)
        summary.sinceMs = (*active)->sinceMs;
    summary.standbys = repo.standbyCount().valueOr(0);
    return summary;
}

int runStatus(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    const std::optional<EngineSummary> engine = runningEngine(context, **db);
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
        QJsonValue engineJson(QJsonValue::Null);
        if (engine) {
            engineJson = QJsonObject { { QStringLiteral("host"), engine->host }, { QStringLiteral("pid"), engine->pid },
                { QStringLiteral("since"),
                    engine->sinceMs > 0 ? QJsonValue(
                        QDateTime::fromMSecsSinceEpoch(engine->sinceMs, Qt::UTC).toString(Qt::ISODateWithMs))
                                        : QJsonValue(QJsonValue::Null) },
                { QStringLiteral("standbys"), engine->standbys } };
        }
        context.printJson(QJsonDocument(
            QJsonObject { { QStringLiteral("pools"), poolArray }, { QStringLiteral("engine"), engineJson } }));
        return 0;
    }
    if (engine) {
        context.out() << "engine: " << EngineHolder { engine->host, engine->pid }.describe() << " runs the jobs";
        if (engine->sinceMs > 0)
            context.out() << " since "
                          << QDateTime::fromMSecsSinceEpoch(engine->sinceMs, Qt::UTC).toString(Qt::ISODate);
        context.out() << " (" << engine->standbys << (engine->standbys == 1 ? " standby" : " standbys") << ")\n";
    } else {
        context.out() << "engine: none runs the jobs; start one with 'poolkeeper-cli engine'\n";
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
