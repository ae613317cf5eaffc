// poolkeeper-bench backup: backup and restore of a generated tree against cp -r + sync of the
// same tree to the same filesystem. Targets: backup <= 2.5x cp, restore <= 2x cp. Then what
// metadata costs: the same tree with two extended attributes on every file (against the plain
// tree's backup and restore), and a sparse file (against cp --sparse=always + sync).

#include "benchbackup.h"

#include "benchutil.h"
#include "master/master.h"
#include "master/workspace.h"
#include "util/sizes.h"

#include <QDir>
#include <QDirIterator>

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

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
    // Each backup into a fresh workspace; each restore of its newest snapshot into an empty target.
    auto timeBackup = [&](const QString& from) {
        return medianSeconds(options.repeats, freshWorkspace, [&] {
            auto result = master->backup(QStringLiteral("bench-user"), from, QString());
            if (!result)
                fail(result.message());
        });
    };
    const QString target = root + QStringLiteral("/restored");
    auto timeRestore = [&] {
        return medianSeconds(
            options.repeats,
            [&] {
                removeTree(target);
                timeCommand(QStringLiteral("sync"), {});
            },
            [&] {
                auto result = master->restore(QStringLiteral("bench-user"), target, QString(), {});
                if (!result)
                    fail(result.message());
            });
    };
    const double backupSeconds = timeBackup(source);
    printRow(QStringLiteral("poolkeeper backup"), backupSeconds, tree.bytes, cpSeconds, 2.5);
    const double restoreSeconds = timeRestore();
    printRow(QStringLiteral("poolkeeper restore (verified)"), restoreSeconds, tree.bytes, cpSeconds, 2.0);

    // Extended attributes: one more listxattr and two getxattr per file at backup, setxattr at restore.
    int tagged = 0;
    for (QDirIterator it(source, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) {
        const QByteArray path = QFile::encodeName(it.next());
        const QByteArray comment = "user.comment";
        const QByteArray origin = "user.origin";
        if (::setxattr(path.constData(), comment.constData(), "benchmark file", 14, 0) == 0
            && ::setxattr(path.constData(), origin.constData(), "poolkeeper-bench", 16, 0) == 0)
            ++tagged;
    }
    if (tagged == 0) {
        std::printf("  (this filesystem keeps no user.* attributes: their cost is not measured)\n");
    } else {
        const double xattrBackupSeconds = timeBackup(source);
        printRow(QStringLiteral("backup, 2 xattrs per file"), xattrBackupSeconds, tree.bytes, backupSeconds, 1.2);
        const double xattrRestoreSeconds = timeRestore();
        printRow(QStringLiteral("restore, 2 xattrs per file"), xattrRestoreSeconds, tree.bytes, restoreSeconds, 1.2);
    }
    removeTree(target);

    // A sparse file as large as the tree with 1/64 of it data, in 64 KiB extents.
    const QString sparseSource = root + QStringLiteral("/sparse-source");
    removeTree(sparseSource);
    QDir().mkpath(sparseSource);
    {
        const int fd = ::open(QFile::encodeName(sparseSource + QStringLiteral("/disk.img")).constData(),
            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const QByteArray extent(static_cast<qsizetype>(64 * KiB), 'd');
        bool ok = fd >= 0;
        for (qint64 offset = 0; ok && offset < tree.bytes; offset += 64 * extent.size())
            ok = ::pwrite(fd, extent.constData(), static_cast<size_t>(extent.size()), offset) == extent.size();
        ok = ok && ::ftruncate(fd, tree.bytes) == 0;
        if (fd >= 0)
            ::close(fd);
        if (!ok)
            fail(QStringLiteral("cannot write the sparse file of the benchmark"));
    }
    const QString sparseCopy = root + QStringLiteral("/sparse-copy");
    const double sparseCpSeconds = medianSeconds(
        options.repeats, [&] { removeTree(sparseCopy); },
        [&] {
            timeCommand(QStringLiteral("cp"),
                { QStringLiteral("-r"), QStringLiteral("--sparse=always"), sparseSource, sparseCopy });
            timeCommand(QStringLiteral("sync"), {});
        });
    removeTree(sparseCopy);
    printRow(QStringLiteral("sparse: cp --sparse=always + sync"), sparseCpSeconds, tree.bytes);
    const double sparseBackupSeconds = timeBackup(sparseSource);
    printRow(QStringLiteral("sparse: poolkeeper backup"), sparseBackupSeconds, tree.bytes, sparseCpSeconds, 2.5);
    const double sparseRestoreSeconds = timeRestore();
    printRow(QStringLiteral("sparse: poolkeeper restore"), sparseRestoreSeconds, tree.bytes, sparseCpSeconds, 2.0);
    removeTree(sparseSource);
    master.reset();
    db.reset();
    return 0;
}

} // namespace pk::bench
