#include "commands.h"
#include "configdb/claimrepo.h"
#include "configdb/configdbcopier.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "context.h"
#include "engine/enginelock.h"
#include "master/master.h"
#include "master/workspace.h"
#include "texttable.h"
#include "util/sizes.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <cmath>

namespace pk::cli {

namespace {

double roundPercent(double value)
{
    return std::round(value * 100.0) / 100.0;
}

int runInit(Context& context, const ParsedArgs& args)
{
    const QString dir = context.workspaceDir();
    if (args.has(QStringLiteral("configdb"))) {
        auto location = ConfigDbLocation::parseUrl(args.value(QStringLiteral("configdb")));
        if (!location)
            return context.fail(location.error());
        auto db = Workspace::create(dir, *location);
        if (!db)
            return context.fail(db.error());
        if (auto recorded = Workspace::writeConfig(dir, *location); !recorded)
            return context.fail(recorded);
        const int found = (*db)->schemaVersionFound();
        const int now = (*db)->schemaVersion();
        const QString name = location->displayName();
        if (found == 0)
            context.out() << "created ConfigDb " << name << " (schema " << now << ")";
        else if (found < now)
            context.out() << "upgraded ConfigDb " << name << " from schema " << found << " to " << now;
        else
            context.out() << "ConfigDb " << name << " already holds a Poolkeeper ConfigDb (schema " << now << ")";
        context.out() << "; workspace '" << dir << "' uses it\n";
        return 0;
    }
    auto location = Workspace::configDbLocation(dir);
    if (!location)
        return context.fail(location.error());
    const bool existed = location->isPostgres() || QFileInfo::exists(Workspace::configDbPath(dir));
    auto db = Workspace::create(dir, *location);
    if (!db)
        return context.fail(db.error());
    if (existed)
        context.out() << "workspace '" << dir << "' already exists (schema " << (*db)->schemaVersion()
                      << "); nothing changed\n";
    else
        context.out() << "initialized workspace '" << dir << "'\n";
    return 0;
}

int runConfigDbCopy(Context& context, const ParsedArgs& args)
{
    if (!args.has(QStringLiteral("to")))
        return context.fail(usageError(QStringLiteral("configdb copy needs --to URL: the empty PostgreSQL database "
                                                      "to copy into")));
    auto target = ConfigDbLocation::parseUrl(args.value(QStringLiteral("to")));
    if (!target)
        return context.fail(target.error());
    const QString dir = context.workspaceDir();
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    if ((*db)->isPostgres())
        return context.fail(failed(QStringLiteral("workspace '%1' already uses PostgreSQL (%2): there is no SQLite "
                                                  "ConfigDb to copy")
                                       .arg(dir, (*db)->path())));
    // No engine may write behind the copy's back; backups wait on the copy's write lock.
    auto lock = EngineLock::acquire(dir);
    if (!lock)
        return context.fail(lock.error());
    auto to = ConfigDb::open(*target, ConfigDb::OpenMode::Create);
    if (!to)
        return context.fail(to.error());
    // A backup already running writes to the SQLite file until it ends: none may run. The claims
    // are read again under the copy's write lock, and the workspace points at the copy before
    // that lock is released, so every command that starts afterwards uses PostgreSQL.
    const auto noBackupRuns = [&]() -> Status {
        auto backups = ClaimRepo(**db).list(claimKind::backup);
        if (!backups)
            return backups.error();
        if (!backups->isEmpty())
            return failed(QStringLiteral("%1 backup(s) of this workspace are running: copy ConfigDb when they are done")
                              .arg(backups->size()));
        return {};
    };
    auto copied = ConfigDbCopier::copy(
        **db, **to, [&](const QString& line) { context.progress(line); },
        [&]() -> Status {
            if (auto idle = noBackupRuns(); !idle)
                return idle;
            return Workspace::writeConfig(dir, *target);
        });
    context.endProgress();
    if (!copied)
        return context.fail(copied.error());
    qint64 rows = 0;
    for (const TableDigest& table : std::as_const(*copied)) {
        rows += table.rows;
        context.out() << "  " << table.table << ": " << table.rows << " rows, sha256 " << table.checksum.left(16)
                      << "…\n";
    }
    context.out() << "copied " << rows << " rows of " << copied->size() << " tables to " << target->displayName()
                  << "; counts and checksums match\n"
                  << "workspace '" << dir << "' now uses it; " << Workspace::configDbPath(dir)
                  << " is kept as it was\n";
    return 0;
}

int runPoolAdd(Context& context, const ParsedArgs& args)
{
    auto high = parsePercent(args.value(QStringLiteral("high"), QStringLiteral("80")));
    if (!high)
        return context.fail(high.error());
    auto low = parsePercent(args.value(QStringLiteral("low"), QStringLiteral("70")));
    if (!low)
        return context.fail(low.error());
    if (auto status = PoolRepo::validateWatermarks(*high, *low); !status)
        return context.fail(status);
    const QString modeText = args.value(QStringLiteral("mode"), QStringLiteral("review"));
    const auto mode = poolModeFromString(modeText);
    if (!mode)
        return context.fail(usageError(QStringLiteral("unknown mode '%1': use review or automatic").arg(modeText)));
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto pool = Master(**db).addPool(args.positional.at(0), *high, *low, *mode);
    if (!pool)
        return context.fail(pool.error());
    context.out() << "added pool '" << pool->name << "' (high " << pool->highPercent << " %, low " << pool->lowPercent
                  << " %, mode " << toString(pool->mode) << ")\n";
    return 0;
}

int runPoolList(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto pools = PoolRepo(**db).list();
    if (!pools)
        return context.fail(pools.error());
    StorageRepo storageRepo(**db);
    if (args.has(QStringLiteral("json"))) {
        QJsonArray array;
        for (const PoolRecord& pool : std::as_const(*pools)) {
            auto storages = storageRepo.list(pool.id);
            if (!storages)
                return context.fail(storages.error());
            QJsonArray names;
            for (const StorageRecord& storage : std::as_const(*storages))
                names.append(storage.name);
            array.append(QJsonObject { { QStringLiteral("name"), pool.name },
                { QStringLiteral("high_percent"), pool.highPercent },
                { QStringLiteral("low_percent"), pool.lowPercent }, { QStringLiteral("mode"), toString(pool.mode) },
                { QStringLiteral("storages"), names } });
        }
        context.printJson(QJsonDocument(array));
        return 0;
    }
    TextTable table({ QStringLiteral("POOL"), QStringLiteral("HIGH %"), QStringLiteral("LOW %"), QStringLiteral("MODE"),
                        QStringLiteral("STORAGES") },
        { false, true, true, false, true });
    for (const PoolRecord& pool : std::as_const(*pools)) {
        auto storages = storageRepo.list(pool.id);
        if (!storages)
            return context.fail(storages.error());
        table.addRow({ pool.name, QString::number(pool.highPercent), QString::number(pool.lowPercent),
            toString(pool.mode), QString::number(storages->size()) });
    }
    table.print(context.out());
    return 0;
}

int runStorageAdd(Context& context, const ParsedArgs& args)
{
    std::optional<qint64> quota;
    if (args.has(QStringLiteral("capacity"))) {
        auto size = parseSize(args.value(QStringLiteral("capacity")));
        if (!size)
            return context.fail(size.error());
        if (*size <= 0)
            return context.fail(usageError(QStringLiteral("the capacity must be greater than zero")));
        quota = *size;
    }
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto storage = Master(**db).addStorage(args.positional.at(0), args.positional.at(1), args.positional.at(2), quota);
    if (!storage)
        return context.fail(storage.error());
    context.out() << "added storage '" << storage->name << "' to pool '" << storage->poolName << "' at '"
                  << storage->rootPath << "' (capacity "
                  << (storage->quotaBytes ? formatBytes(*storage->quotaBytes) : QStringLiteral("of the filesystem"))
                  << ")\n";
    return 0;
}

QJsonObject storageJson(const StorageUsage& usage)
{
    return QJsonObject { { QStringLiteral("name"), usage.storage.name },
        { QStringLiteral("pool"), usage.storage.poolName }, { QStringLiteral("path"), usage.storage.rootPath },
        { QStringLiteral("capacity_bytes"), usage.capacityBytes },
        { QStringLiteral("capacity_source"),
            usage.storage.quotaBytes ? QStringLiteral("quota") : QStringLiteral("filesystem") },
        { QStringLiteral("used_bytes"), usage.storage.usedBytes },
        { QStringLiteral("used_percent"), roundPercent(usage.usedPercent()) },
        { QStringLiteral("state"), toString(usage.effectiveState()) } };
}

int runStorageList(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    qint64 poolId = 0;
    if (!args.positional.isEmpty()) {
        auto pool = PoolRepo(**db).byName(args.positional.at(0));
        if (!pool)
            return context.fail(pool.error());
        poolId = pool->id;
    }
    auto storages = StorageRepo(**db).list(poolId);
    if (!storages)
        return context.fail(storages.error());
    const QList<StorageUsage> usages = measureStorages(*storages);
    if (args.has(QStringLiteral("json"))) {
        QJsonArray array;
        for (const StorageUsage& usage : usages)
            array.append(storageJson(usage));
        context.printJson(QJsonDocument(array));
        return 0;
    }
    TextTable table(
        { QStringLiteral("STORAGE"), QStringLiteral("POOL"), QStringLiteral("STATE"), QStringLiteral("USED"),
            QStringLiteral("CAPACITY"), QStringLiteral("USED %"), QStringLiteral("PATH") },
        { false, false, false, true, true, true, false });
    for (const StorageUsage& usage : usages) {
        table.addRow({ usage.storage.name, usage.storage.poolName, toString(usage.effectiveState()),
            formatBytes(usage.storage.usedBytes),
            formatBytes(usage.capacityBytes) + (usage.storage.quotaBytes ? QString() : QStringLiteral(" (fs)")),
            QString::number(usage.usedPercent(), 'f', 1), usage.storage.rootPath });
    }
    table.print(context.out());
    return 0;
}

int runStorageRescan(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto result = Master(**db).rescanStorage(args.positional.at(0), Context::stopFlag());
    if (!result)
        return context.fail(result.error());
    for (const QString& note : std::as_const(result->notes))
        context.out() << "note: " << note << '\n';
    context.out() << "storage '" << args.positional.at(0) << "': " << result->users << " users, used "
                  << formatBytes(result->usedBytesAfter) << " (ConfigDb said " << formatBytes(result->usedBytesBefore)
                  << "); "
                  << (result->corrections == 0 ? QStringLiteral("nothing to correct")
                                               : QStringLiteral("%1 corrections").arg(result->corrections))
                  << '\n';
    return 0;
}

} // namespace

QJsonObject storageStatusJson(const StorageUsage& usage)
{
    return storageJson(usage);
}

QList<CommandSpec> adminCommands()
{
    const OptionSpec json { QStringLiteral("json"), {}, QStringLiteral("print JSON instead of a table") };
    return {
        { { QStringLiteral("init") }, {}, 0, 0, QStringLiteral("create the workspace and its ConfigDb"),
            QStringLiteral(
                "Creates the workspace directory and configdb.sqlite. Running it on an existing workspace changes "
                "nothing.\n"
                "With --configdb the ConfigDb is a PostgreSQL database that several machines share: the schema is "
                "created (or\n"
                "upgraded) there and the URL recorded in the workspace's poolkeeper.conf (owner-only). The password "
                "may also come\n"
                "from ~/.pgpass, PGPASSFILE or PGPASSWORD. POOLKEEPER_CONFIGDB=URL overrides poolkeeper.conf."),
            { { QStringLiteral("configdb"), QStringLiteral("URL"),
                QStringLiteral("postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DBNAME[?sslmode=MODE]") } },
            runInit },
        { { QStringLiteral("configdb"), QStringLiteral("copy") }, {}, 0, 0,
            QStringLiteral("move the workspace's SQLite ConfigDb to PostgreSQL"),
            QStringLiteral("Copies every row of the workspace's configdb.sqlite into an empty PostgreSQL database, "
                           "checks the copy\n"
                           "(row count and checksum of every table), then records the URL in poolkeeper.conf: from "
                           "then on the workspace,\n"
                           "and any other pointing at the database, uses it. No engine may run meanwhile. The SQLite "
                           "file is kept."),
            { { QStringLiteral("to"), QStringLiteral("URL"),
                QStringLiteral("postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DBNAME (required)") } },
            runConfigDbCopy },
        { { QStringLiteral("pool"), QStringLiteral("add") }, QStringLiteral("NAME"), 1, 1, QStringLiteral("add a pool"),
            QStringLiteral("A pool is unbalanced when one storage is at or above the high watermark while another "
                           "online storage is at\n"
                           "or below the low watermark. In review mode an operator approves every plan; in automatic "
                           "mode plans run at once."),
            { { QStringLiteral("high"), QStringLiteral("PERCENT"), QStringLiteral("high watermark (default 80)") },
                { QStringLiteral("low"), QStringLiteral("PERCENT"),
                    QStringLiteral("low watermark (default 70), below the high one") },
                { QStringLiteral("mode"), QStringLiteral("review|automatic"),
                    QStringLiteral("who approves migration plans (default review)") } },
            runPoolAdd },
        { { QStringLiteral("pool"), QStringLiteral("list") }, {}, 0, 0, QStringLiteral("list the pools"), {}, { json },
            runPoolList },
        { { QStringLiteral("storage"), QStringLiteral("add") }, QStringLiteral("POOL NAME PATH"), 3, 3,
            QStringLiteral("add a storage to a pool"),
            QStringLiteral("PATH must be an existing, writable directory that belongs to no other storage. Without "
                           "--capacity the\n"
                           "storage's capacity is the size of the filesystem holding PATH."),
            { { QStringLiteral("capacity"), QStringLiteral("SIZE"),
                QStringLiteral("quota: 512M, 2G, 1.5T (powers of 1024) or plain bytes") } },
            runStorageAdd },
        { { QStringLiteral("storage"), QStringLiteral("list") }, QStringLiteral("[POOL]"), 0, 1,
            QStringLiteral("list storages with their usage"), {}, { json }, runStorageList },
        { { QStringLiteral("storage"), QStringLiteral("rescan") }, QStringLiteral("NAME"), 1, 1,
            QStringLiteral("recount the bytes on a storage from disk"),
            QStringLiteral("Walks the storage, sets its used bytes and every user's bytes from what is on disk, "
                           "records snapshots\n"
                           "ConfigDb missed and reports directories that belong to no user."),
            {}, runStorageRescan },
    };
}

} // namespace pk::cli
