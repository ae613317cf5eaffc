// poolkeeper-bench migrate: moving a user of options.sizeBytes between two storages on the same
//   filesystem (copy, deep verification, switch, compaction) against cp -a of its directory plus
//   sync. Target <= 2.0x.
// poolkeeper-bench scan: the deep consistency check of a storage's users against sha256sum of the
//   same chunk files. Target: faster, by using every core.

#include "benchregistry.h"
#include "benchutil.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "master/master.h"
#include "master/workspace.h"
#include "migration/migrationjob.h"
#include "storage/consistencychecker.h"
#include "storage/storageroot.h"
#include "util/sizes.h"

#include <QDir>
#include <QThread>

namespace pk::bench {

namespace {

struct BenchPool
{
    std::unique_ptr<ConfigDb> db;
    std::unique_ptr<Master> master;
    QString root;
};

BenchPool makePool(const QString& root, int users, qint64 totalBytes)
{
    BenchPool pool;
    pool.root = root;
    auto db = Workspace::create(root + QStringLiteral("/workspace"));
    if (!db)
        fail(db.message());
    pool.db = std::move(*db);
    pool.master = std::make_unique<Master>(*pool.db);
    if (!pool.master->addPool(QStringLiteral("bench"), 80, 70, PoolMode::Review))
        fail(QStringLiteral("cannot add the pool"));
    for (const QString& name : { QStringLiteral("a"), QStringLiteral("b") }) {
        QDir().mkpath(root + QStringLiteral("/storage-") + name);
        if (!pool.master->addStorage(
                QStringLiteral("bench"), name, root + QStringLiteral("/storage-") + name, std::nullopt))
            fail(QStringLiteral("cannot add a storage"));
    }
    // Every user lands on "a": "b" is marked draining while they are backed up.
    (void)StorageRepo(*pool.db).setState(
        pool.master->db().queryRow(QStringLiteral("SELECT id FROM storages WHERE name = 'b'"))->value(0).toLongLong(),
        StorageState::Draining);
    for (int i = 0; i < users; ++i) {
        const QString source = root + QStringLiteral("/source-%1").arg(i);
        generateHomeTree(source, totalBytes / users, static_cast<quint32>(7 + i));
        auto result = pool.master->backup(QStringLiteral("user-%1").arg(i), source, QStringLiteral("bench"));
        if (!result)
            fail(result.message());
        removeTree(source);
    }
    (void)pool.db->exec(QStringLiteral("UPDATE storages SET state = 'online'"));
    return pool;
}

int runMigrateBenchmark(const Options& options)
{
    printHeader(QStringLiteral("poolkeeper-bench migrate: one user of %1 between two storages in %2")
                    .arg(formatBytes(options.sizeBytes), options.workDir));
    BenchPool pool = makePool(options.workDir, 1, options.sizeBytes);
    UserRepo users(*pool.db);
    const UserRecord user = users.byName(QStringLiteral("user-0")).value();
    const qint64 bytes = user.bytes;
    std::printf("  user: %s in %d snapshots; median of %d runs each\n", qPrintable(formatBytes(bytes)),
        user.snapshotCount, options.repeats);

    const QString copy = options.workDir + QStringLiteral("/cp-copy");
    const double cpSeconds = medianSeconds(
        options.repeats, [&] { removeTree(copy); },
        [&] {
            const UserRecord now = users.byName(QStringLiteral("user-0")).value();
            const StorageRecord storage = StorageRepo(*pool.db).byId(now.storageId).value();
            timeCommand(QStringLiteral("cp"),
                { QStringLiteral("-a"), storage.rootPath + QStringLiteral("/users/") + now.uuid, copy });
            timeCommand(QStringLiteral("sync"), {});
        });
    removeTree(copy);
    printRow(QStringLiteral("cp -a + sync"), cpSeconds, bytes);

    // Each run moves the user to the other storage and back again on the next run.
    // The engine frees a compacted user's space after the job; here it happens between runs.
    auto emptyTrash = [&] {
        for (const StorageRecord& storage : StorageRepo(*pool.db).list().value())
            (void)StorageRoot(storage.rootPath).emptyTrash();
        timeCommand(QStringLiteral("sync"), {});
    };
    const double moveSeconds = medianSeconds(options.repeats, emptyTrash, [&] {
        const UserRecord now = users.byName(QStringLiteral("user-0")).value();
        const qint64 to = pool.db->queryRow(QStringLiteral("SELECT id FROM storages WHERE id != ?"), { now.storageId })
                              ->value(0)
                              .toLongLong();
        auto id = JobRepo(*pool.db).create(JobKind::Balance, 0, now.id, now.storageId, to, now.bytes);
        if (!id)
            fail(id.message());
        MigrationJob job(*pool.db, JobRepo(*pool.db).byId(*id).value(), {});
        if (job.run() != JobOutcome::Done)
            fail(QStringLiteral("the migration failed: %1").arg(job.error()));
    });
    printRow(QStringLiteral("poolkeeper migration (verified)"), moveSeconds, bytes, cpSeconds, 2.0);
    return 0;
}

int runScanBenchmark(const Options& options)
{
    printHeader(QStringLiteral("poolkeeper-bench scan: deep check of a storage holding %1 in %2")
                    .arg(formatBytes(options.sizeBytes), options.workDir));
    BenchPool pool = makePool(options.workDir, 8, options.sizeBytes);
    const StorageRecord storage = StorageRepo(*pool.db).byName(QStringLiteral("a")).value();
    const QString chunks = storage.rootPath + QStringLiteral("/users");
    std::printf(
        "  %d cores; median of %d runs each, page cache warm for both\n", QThread::idealThreadCount(), options.repeats);
    const QString command
        = QStringLiteral("find '%1' -path '*/chunks/*' -type f -exec sha256sum {} + > /dev/null").arg(chunks);
    timeCommand(QStringLiteral("sh"), { QStringLiteral("-c"), command }); // warm the cache
    const double shaSeconds = medianSeconds(options.repeats, {}, [&] {
        timeCommand(QStringLiteral("sh"), { QStringLiteral("-c"), command });
    });
    printRow(QStringLiteral("sha256sum of the chunk files"), shaSeconds, storage.usedBytes);
    auto users = UserRepo(*pool.db).list(storage.id).value();
    const double scanSeconds = medianSeconds(options.repeats, {}, [&] {
        for (const UserRecord& user : std::as_const(users)) {
            ConsistencyChecker checker(pool.master->userStore(user).value());
            checker.setDeep(true);
            auto report = checker.run();
            if (!report || !report->consistent())
                fail(QStringLiteral("the scan found problems"));
        }
    });
    printRow(QStringLiteral("poolkeeper scan (deep)"), scanSeconds, storage.usedBytes, shaSeconds, 1.0);
    return 0;
}

const BenchmarkRegistration migrateRegistration( // clazy:exclude=non-pod-global-static
    QStringLiteral("migrate"), runMigrateBenchmark);
const BenchmarkRegistration scanRegistration( // clazy:exclude=non-pod-global-static
    QStringLiteral("scan"), runScanBenchmark);

} // namespace

} // namespace pk::bench
