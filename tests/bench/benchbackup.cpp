// poolkeeper-bench backup: backup and restore of a generated tree against cp -r + sync of the
// same tree to the same filesystem. Targets: backup <= 2.5x cp, restore <= 2x cp.

#include "benchbackup.h"

#include "benchutil.h"
#include "master/master.h"
#include "master/workspace.h"
#include "util/sizes.h"

#include <QDir>

namespace pk::bench {

int runBackupBenchmark(const Options& options)
{
    const QString root = options.workDir;
    const QString source = root + QStringLiteral("/source");
    printHeader(
        QStringLiteral("poolkeeper-bench backup: generating %1 in %2").arg(formatBytes(options.sizeBytes), root));
    const GeneratedTree tree = generateHomeTree(source, options.sizeBytes, 42);
    std::printf("  tree: %s in %d files; median of %d runs each\n", qPrintable(formatBytes(tree.bytes)), tree.files,
        options.repeats);

    const QString copy = root + QStringLiteral("/cp-copy");
    const double cpSeconds = medianSeconds(
        options.repeats, [&] { removeTree(copy); },
        [&] {
            timeCommand(QStringLiteral("cp"), { QStringLiteral("-r"), source, copy });
            timeCommand(QStringLiteral("sync"), {});
        });
    removeTree(copy);
    printRow(QStringLiteral("cp -r + sync"), cpSeconds, tree.bytes);

    const QString workspace = root + QStringLiteral("/workspace");
    const QString storage = root + QStringLiteral("/storage");
    std::unique_ptr<ConfigDb> db;
    std::unique_ptr<Master> master;
    auto freshWorkspace = [&] {
        master.reset();
        db.reset();
        removeTree(workspace);
        removeTree(storage);
        QDir().mkpath(storage);
        auto opened = Workspace::create(workspace);
        if (!opened)
            fail(opened.message());
        db = std::move(*opened);
        master = std::make_unique<Master>(*db);
        if (!master->addPool(QStringLiteral("bench"), 80, 70, PoolMode::Review)
            || !master->addStorage(QStringLiteral("bench"), QStringLiteral("disk"), storage, std::nullopt))
            fail(QStringLiteral("cannot set up the benchmark workspace"));
        timeCommand(QStringLiteral("sync"), {});
    };
    const double backupSeconds = medianSeconds(options.repeats, freshWorkspace, [&] {
        auto result = master->backup(QStringLiteral("bench-user"), source, QString());
        if (!result)
            fail(result.message());
    });
    printRow(QStringLiteral("poolkeeper backup"), backupSeconds, tree.bytes, cpSeconds, 2.5);

    const QString target = root + QStringLiteral("/restored");
    const double restoreSeconds = medianSeconds(
        options.repeats,
        [&] {
            removeTree(target);
            timeCommand(QStringLiteral("sync"), {});
        },
        [&] {
            auto result = master->restore(QStringLiteral("bench-user"), target, QString(), false);
            if (!result)
                fail(result.message());
        });
    printRow(QStringLiteral("poolkeeper restore (verified)"), restoreSeconds, tree.bytes, cpSeconds, 2.0);
    master.reset();
    db.reset();
    return 0;
}

} // namespace pk::bench
