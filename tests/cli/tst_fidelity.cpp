// A restore keeps everything a file is: a tree with owners, hard links, a sparse file, extended
// attributes, ACLs, capabilities, setuid bits, FIFOs, sockets and devices is backed up, moved to
// another storage by a drain, restored, and compared with rsync -aHAX. The parts that need root
// (owners, devices, trusted.* and capabilities) are left out, with a message, when not root.

#include "cliworkspace.h"
#include "poolfixture.h"
#include "storage/userstore.h"
#include "testtree.h"
#include "util/sizes.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <thread>
#include <unistd.h>

using namespace pk;
using namespace pk::test;

namespace {

QByteArray encoded(const QString& path)
{
    return QFile::encodeName(path);
}

bool setAttribute(const QString& path, const char* name, const QByteArray& value)
{
    return ::lsetxattr(encoded(path).constData(), name, value.constData(), static_cast<size_t>(value.size()), 0) == 0;
}

// A POSIX ACL in the kernel's xattr format: version 2, then (tag, permissions, id) sorted by tag.
QByteArray acl(const QList<std::tuple<quint16, quint16, quint32>>& entries)
{
    QByteArray bytes;
    auto put = [&bytes](auto value) { bytes.append(reinterpret_cast<const char*>(&value), sizeof(value)); };
    put(quint32(2));
    for (const auto& [tag, permissions, id] : entries) {
        put(tag);
        put(permissions);
        put(id);
    }
    return bytes;
}
constexpr quint16 aclUserObj = 0x01, aclUser = 0x02, aclGroupObj = 0x04, aclMask = 0x10, aclOther = 0x20;
constexpr quint32 aclNoId = 0xffffffff;

// security.capability v2 granting cap_net_bind_service (10), effective.
QByteArray netBindCapability()
{
    QByteArray bytes;
    auto put = [&bytes](quint32 value) { bytes.append(reinterpret_cast<const char*>(&value), sizeof(value)); };
    put(0x02000001);
    put(1U << 10);
    put(0);
    put(0);
    put(0);
    return bytes;
}

qint64 allocatedBytes(const QString& path)
{
    struct stat st
    { };
    return ::lstat(encoded(path).constData(), &st) == 0 ? static_cast<qint64>(st.st_blocks) * 512 : -1;
}

// What rsync sees differ, one itemized line each; the first line is an error when rsync fails.
QStringList rsyncDifferences(const QString& source, const QString& target)
{
    QProcess rsync;
    rsync.start(QStringLiteral("rsync"),
        { QStringLiteral("-aHAXn"), QStringLiteral("--itemize-changes"), QStringLiteral("--numeric-ids"), source + u'/',
            target + u'/' });
    if (!rsync.waitForFinished(120000) || rsync.exitCode() != 0)
        return { QStringLiteral("rsync failed: ") + QString::fromLocal8Bit(rsync.readAllStandardError()) };
    QStringList lines;
    for (const QByteArray& line : rsync.readAllStandardOutput().split('\n')) {
        // The root is the directory the operator chose to restore into: its own mode, owner and
        // time are the target's, not the snapshot's.
        if (!line.isEmpty() && !line.endsWith(" ./"))
            lines.append(QString::fromLocal8Bit(line));
    }
    return lines;
}

// Everything of a tree a restore must keep. leftOut: what it does not make when not root;
// problems: calls that failed.
void makeRichTree(const QString& root, QStringList& leftOut, QStringList& problems)
{
    auto check = [&](bool ok, const char* what) {
        if (ok)
            return;
        // A filesystem without extended attributes (tmpfs before Linux 6.6) cannot hold them to test.
        if (errno == EOPNOTSUPP && qstrcmp(what, "setAttribute") == 0) {
            if (!leftOut.contains(QLatin1String("extended attributes and ACLs (not kept by this filesystem)")))
                leftOut.append(QStringLiteral("extended attributes and ACLs (not kept by this filesystem)"));
            return;
        }
        problems.append(QStringLiteral("%1: %2").arg(QLatin1String(what), QString::fromLocal8Bit(strerror(errno))));
    };
    const bool asRoot = runningAsRoot();
    QDir().mkpath(root + QStringLiteral("/docs/private"));
    QDir().mkpath(root + QStringLiteral("/shared"));
    writeRandomFile(root + QStringLiteral("/docs/report.bin"), 300000, 1);
    writeRandomFile(root + QStringLiteral("/docs/private/key"), 100, 2);
    check(::chmod(encoded(root + QStringLiteral("/docs/private")).constData(), 0700) >= 0, "chmod");
    check(::chmod(encoded(root + QStringLiteral("/docs/private/key")).constData(), 0600) >= 0, "chmod");

    // Three names of one inode, in different directories.
    writeRandomFile(root + QStringLiteral("/docs/linked.bin"), 70000, 3);
    check(::link(encoded(root + QStringLiteral("/docs/linked.bin")).constData(),
              encoded(root + QStringLiteral("/shared/linked-again.bin")).constData())
            >= 0,
        "link");
    check(::link(encoded(root + QStringLiteral("/docs/linked.bin")).constData(),
              encoded(root + QStringLiteral("/third-name.bin")).constData())
            >= 0,
        "link");

    // 512 MiB with 8 KiB of data: two blocks in the middle, a hole at the start and the end.
    {
        const QString sparse = root + QStringLiteral("/disk.img");
        const int fd = ::open(encoded(sparse).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0640);
        check(fd >= 0, "open");
        const QByteArray block(4096, 'x');
        check(::pwrite(fd, block.constData(), block.size(), 100 * MiB) >= 0, "pwrite");
        check(::pwrite(fd, block.constData(), block.size(), 300 * MiB) >= 0, "pwrite");
        check(::ftruncate(fd, 512 * MiB) >= 0, "ftruncate");
        ::close(fd);
    }

    // Extended attributes and ACLs.
    check(setAttribute(root + QStringLiteral("/docs/report.bin"), "user.comment", "quarterly"), "setAttribute");
    check(setAttribute(root + QStringLiteral("/docs/report.bin"), "user.binary", QByteArray("\0\1\2\xff", 4)),
        "setAttribute");
    check(setAttribute(root + QStringLiteral("/docs"), "user.project", "apollo"), "setAttribute");
    check(::chmod(encoded(root + QStringLiteral("/docs/report.bin")).constData(), 0664) >= 0, "chmod");
    check(setAttribute(root + QStringLiteral("/docs/report.bin"), "system.posix_acl_access",
              acl({ { aclUserObj, 6, aclNoId }, { aclUser, 4, 4321 }, { aclGroupObj, 4, aclNoId },
                  { aclMask, 6, aclNoId }, { aclOther, 4, aclNoId } })),
        "setAttribute");
    check(setAttribute(root + QStringLiteral("/shared"), "system.posix_acl_default",
              acl({ { aclUserObj, 7, aclNoId }, { aclUser, 5, 4321 }, { aclGroupObj, 5, aclNoId },
                  { aclMask, 5, aclNoId }, { aclOther, 0, aclNoId } })),
        "setAttribute");

    // Special files: recorded, never opened.
    check(::mkfifo(encoded(root + QStringLiteral("/shared/pipe")).constData(), 0620) >= 0, "mkfifo");
    check(::mknod(encoded(root + QStringLiteral("/shared/socket")).constData(), S_IFSOCK | 0660, 0) >= 0, "mknod");
    check(::symlink("docs/report.bin", encoded(root + QStringLiteral("/latest")).constData()) >= 0, "symlink");

    if (!asRoot) {
        leftOut << QStringLiteral("owners") << QStringLiteral("setuid files") << QStringLiteral("devices")
                << QStringLiteral("trusted.* attributes") << QStringLiteral("capabilities");
        return;
    }
    // Owners by ids nobody has here, and by a name every Debian has (daemon).
    check(::lchown(encoded(root + QStringLiteral("/docs")).constData(), 4321, 4322) >= 0, "lchown");
    check(::lchown(encoded(root + QStringLiteral("/docs/private/key")).constData(), 4321, 4322) >= 0, "lchown");
    check(::lchown(encoded(root + QStringLiteral("/shared/pipe")).constData(), 1, 1) >= 0, "lchown");
    check(::lchown(encoded(root + QStringLiteral("/latest")).constData(), 4321, 4322) >= 0, "lchown");
    writeRandomFile(root + QStringLiteral("/tool"), 5000, 4);
    check(::chown(encoded(root + QStringLiteral("/tool")).constData(), 4321, 4322) >= 0, "chown");
    check(::chmod(encoded(root + QStringLiteral("/tool")).constData(), 06755) >= 0, "chmod");
    QDir().mkpath(root + QStringLiteral("/team"));
    check(::chown(encoded(root + QStringLiteral("/team")).constData(), 0, 4322) >= 0, "chown");
    check(::chmod(encoded(root + QStringLiteral("/team")).constData(), 02775) >= 0, "chmod");
    writeRandomFile(root + QStringLiteral("/server"), 3000, 5);
    check(::chmod(encoded(root + QStringLiteral("/server")).constData(), 0755) >= 0, "chmod");
    check(setAttribute(root + QStringLiteral("/server"), "security.capability", netBindCapability()), "setAttribute");
    check(setAttribute(root + QStringLiteral("/docs/report.bin"), "trusted.origin", "backup-test"), "setAttribute");
    check(::mknod(encoded(root + QStringLiteral("/shared/null")).constData(), S_IFCHR | 0666, makedev(1, 3)) >= 0,
        "mknod");
    check(::mknod(encoded(root + QStringLiteral("/shared/loop")).constData(), S_IFBLK | 0660, makedev(7, 200)) >= 0,
        "mknod");
}

// The rich tree at root; a failed call fails the current test. Returns what was left out.
QStringList makeRichTreeOrFail(const QString& root)
{
    QStringList leftOut;
    QStringList problems;
    if (!QDir().mkpath(root))
        problems.append(QStringLiteral("cannot create ") + root);
    else
        makeRichTree(root, leftOut, problems);
    [&] { QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n'))); }();
    return leftOut;
}

} // namespace

class TestFidelity : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QProcess rsync;
        rsync.start(QStringLiteral("rsync"), { QStringLiteral("--version") });
        QVERIFY2(rsync.waitForFinished() && rsync.exitCode() == 0,
            "rsync is needed to compare trees: install it (installer/install-deps.sh does)");
    }

    void backupDrainRestoreKeepsEverything()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString source = w.path(QStringLiteral("rich"));
        const QStringList leftOut = makeRichTreeOrFail(source);
        if (QTest::currentTestFailed())
            return;
        if (!leftOut.isEmpty())
            qInfo("not tested here: %s (run the tests as root on ext4, xfs or btrfs to cover them)",
                qPrintable(leftOut.join(", ")));

        const CliResult backup = w.cli.run({ QStringLiteral("backup"), QStringLiteral("bob"), source });
        QVERIFY2(backup.exitCode == 0, qPrintable(backup.describe()));
        QVERIFY2(!backup.err.contains("warning"), qPrintable(backup.describe()));
        const QString before = w.storageOf(QStringLiteral("bob"));
        const CliResult drain
            = w.cli.run({ QStringLiteral("storage"), QStringLiteral("drain"), before, QStringLiteral("--wait") });
        QVERIFY2(drain.exitCode == 0, qPrintable(drain.describe()));
        QVERIFY(w.storageOf(QStringLiteral("bob")) != before);

        const QString target = w.path(QStringLiteral("restored"));
        const CliResult restore = w.cli.run({ QStringLiteral("restore"), QStringLiteral("bob"), target });
        QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));
        QVERIFY2(restore.err.isEmpty(), qPrintable(restore.describe()));
        QVERIFY2(restore.out.contains("2 hard links"), qPrintable(restore.describe()));

        const QStringList differences = rsyncDifferences(source, target);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));
        const qint64 sourceAllocated = allocatedBytes(source + QStringLiteral("/disk.img"));
        const qint64 restoredAllocated = allocatedBytes(target + QStringLiteral("/disk.img"));
        QVERIFY2(restoredAllocated <= sourceAllocated + 16 * qint64(4096),
            qPrintable(QStringLiteral("the sparse file takes %1 bytes restored, %2 in the source")
                           .arg(restoredAllocated)
                           .arg(sourceAllocated)));

        // Owner-only storage data, after a backup and a migration (the logs may be 0640).
        for (const QString& top : { w.path(QStringLiteral("storages")), w.ws() }) {
            QDirIterator it(top, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                struct stat st
                { };
                QVERIFY(::lstat(encoded(path).constData(), &st) == 0);
                if (S_ISLNK(st.st_mode) || (top != w.ws() && QFileInfo(path).path() == top))
                    continue; // the storage directories themselves were made by the test
                const mode_t allowed
                    = QFileInfo(path).fileName().startsWith(QLatin1String("inSyncMigration.log")) ? 0640 : 0700;
                QVERIFY2((st.st_mode & 07777 & ~allowed) == 0,
                    qPrintable(QStringLiteral("%1 has mode %2").arg(path).arg(st.st_mode & 07777, 4, 8)));
            }
        }
    }

    // Without the privilege to give files away, owners are the restoring user's and setuid and
    // setgid bits go with the owner they belonged to; each owner that could not be kept is warned.
    void restoreWithoutChownDropsSetuid()
    {
        if (!runningAsRoot())
            QSKIP("needs root to make files of other owners; runs as root in CI");
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString source = w.path(QStringLiteral("rich"));
        makeRichTreeOrFail(source);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(w.cli.run({ QStringLiteral("backup"), QStringLiteral("bob"), source }).exitCode == 0);
        const QString target = w.path(QStringLiteral("restored"));
        const CliResult restore = w.cli.run(
            { QStringLiteral("restore"), QStringLiteral("bob"), target }, 300000, CliRunner::withoutPrivileges());
        QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));
        QVERIFY2(restore.err.contains("could not give"), qPrintable(restore.describe()));
        QVERIFY2(restore.err.contains("device '"), qPrintable(restore.describe()));
        struct stat st
        { };
        QVERIFY(::stat(encoded(target + QStringLiteral("/tool")).constData(), &st) == 0);
        QCOMPARE(st.st_uid, ::geteuid());
        QCOMPARE(st.st_mode & 07777, mode_t(0755));
    }

    // As root, an owner is given by name when the name exists here: --numeric-owner uses the id.
    void numericOwnerUsesIds()
    {
        if (!runningAsRoot())
            QSKIP("needs root to give files away; runs as root in CI");
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QString source = fixture.scratch(QStringLiteral("src"));
        QVERIFY(QDir().mkpath(source));
        writeRandomFile(source + QStringLiteral("/f"), 100, 1);
        QVERIFY(::chown(encoded(source + QStringLiteral("/f")).constData(), 1, 1) == 0); // daemon
        QVERIFY(fixture.master().backup(QStringLiteral("carl"), source, QString()));
        // The snapshot says "daemon" for uid 1; pretend it was made where daemon had uid 4444.
        const UserRecord user = fixture.user(QStringLiteral("carl"));
        const UserStore store(StorageRoot(fixture.storagePath(user.storageName)), user.uuid);
        auto ids = store.snapshotIds();
        QVERIFY(ids && !ids->isEmpty());
        auto manifest = store.readManifest(ids->constLast());
        QVERIFY2(manifest, qPrintable(manifest.message()));
        QCOMPARE(manifest->entries.constFirst().owner->userName, QByteArray("daemon"));
        manifest->entries.first().owner->uid = 4444;
        manifest->snapshotId = newSnapshotId(manifest->createdMs + 1);
        QVERIFY(store.writeManifest(*manifest));

        const QString byName = fixture.scratch(QStringLiteral("by-name"));
        auto restored = fixture.master().restore(QStringLiteral("carl"), byName, manifest->snapshotId, {});
        QVERIFY2(restored, qPrintable(restored.message()));
        struct stat st
        { };
        QVERIFY(::stat(encoded(byName + QStringLiteral("/f")).constData(), &st) == 0);
        QCOMPARE(st.st_uid, uid_t(1));
        const QString byId = fixture.scratch(QStringLiteral("by-id"));
        restored = fixture.master().restore(
            QStringLiteral("carl"), byId, manifest->snapshotId, { .force = false, .numericOwner = true });
        QVERIFY2(restored, qPrintable(restored.message()));
        QVERIFY(::stat(encoded(byId + QStringLiteral("/f")).constData(), &st) == 0);
        QCOMPARE(st.st_uid, uid_t(4444));
    }

    // A snapshot of manifest format 1 (no owners, no attributes) restores as it always did: modes
    // as recorded, files belonging to whoever restores.
    void formatOneSnapshotRestoresAsBefore()
    {
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QString source = fixture.scratch(QStringLiteral("src"));
        QVERIFY(QDir().mkpath(source + QStringLiteral("/d")));
        writeRandomFile(source + QStringLiteral("/d/f"), 5000, 3);
        QVERIFY(::chmod(encoded(source + QStringLiteral("/d/f")).constData(), 04750) == 0);
        const bool tagged = setAttribute(source + QStringLiteral("/d/f"), "user.note", "dropped in format 1");
        QVERIFY(fixture.master().backup(QStringLiteral("olga"), source, QString()));
        const UserRecord user = fixture.user(QStringLiteral("olga"));
        const UserStore store(StorageRoot(fixture.storagePath(user.storageName)), user.uuid);
        auto ids = store.snapshotIds();
        QVERIFY(ids && !ids->isEmpty());
        auto manifest = store.readManifest(ids->constLast());
        QVERIFY2(manifest, qPrintable(manifest.message()));
        manifest->format = 1;
        manifest->snapshotId = newSnapshotId(manifest->createdMs + 1);
        for (ManifestEntry& entry : manifest->entries) {
            entry.owner.reset();
            entry.xattrs.clear();
        }
        QVERIFY(store.writeManifest(*manifest));
        QVERIFY(store.readManifest(manifest->snapshotId)->format == 1);

        const QString target = fixture.scratch(QStringLiteral("out"));
        auto restored = fixture.master().restore(QStringLiteral("olga"), target, manifest->snapshotId, {});
        QVERIFY2(restored, qPrintable(restored.message()));
        QVERIFY(restored->warnings.isEmpty());
        QVERIFY(compareTrees(source, target, false).isEmpty());
        struct stat st
        { };
        QVERIFY(::stat(encoded(target + QStringLiteral("/d/f")).constData(), &st) == 0);
        QCOMPARE(st.st_mode & 07777, mode_t(04750));
        QCOMPARE(st.st_uid, ::geteuid());
        if (tagged)
            QCOMPARE(
                ::getxattr(encoded(target + QStringLiteral("/d/f")).constData(), "user.note", nullptr, 0), ssize_t(-1));
    }

    // A file that changed while it was read is read once more: the snapshot holds its new content,
    // whole, and does not mark it.
    void fileChangedOnceIsReadAgain()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString source = w.path(QStringLiteral("changing"));
        QVERIFY(QDir().mkpath(source));
        const QString file = source + QStringLiteral("/notes.txt");
        writeRandomFile(file, 200000, 9);
        QTemporaryDir points;
        QProcess backup;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), QStringLiteral("backup-chunk=pause"));
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINT_DIR"), points.path());
        backup.setProcessEnvironment(env);
        backup.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), w.ws(), QStringLiteral("backup"), QStringLiteral("erik"), source });
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(points.filePath(QStringLiteral("backup-chunk.reached"))), 60000);
        {
            QFile append(file);
            QVERIFY(append.open(QIODevice::Append));
            QVERIFY(append.write("one more line\n") > 0);
        }
        QVERIFY(QFile(points.filePath(QStringLiteral("backup-chunk.go"))).open(QIODevice::WriteOnly));
        QVERIFY(backup.waitForFinished(120000));
        const QByteArray err = backup.readAllStandardError();
        QVERIFY2(backup.exitCode() == 0, err.constData());
        QVERIFY2(!err.contains("kept changing"), err.constData());

        const QString target = w.path(QStringLiteral("restored"));
        const CliResult restore = w.cli.run({ QStringLiteral("restore"), QStringLiteral("erik"), target });
        QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));
        QVERIFY(compareTrees(source, target, false).isEmpty());
    }

    // A file that keeps changing while it is read is read twice, kept, and marked.
    void fileThatKeepsChangingIsMarked()
    {
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QString source = fixture.scratch(QStringLiteral("src"));
        QVERIFY(QDir().mkpath(source));
        const QString growing = source + QStringLiteral("/growing.log");
        writeRandomFile(growing, 32 * MiB, 7);
        writeRandomFile(source + QStringLiteral("/calm.txt"), 1000, 8);
        std::atomic<bool> done { false };
        std::thread writer([&] {
            const int fd = ::open(encoded(growing).constData(), O_WRONLY | O_APPEND);
            while (!done.load())
                (void)!::write(fd, "x", 1);
            ::close(fd);
        });
        auto outcome = fixture.master().backup(QStringLiteral("dana"), source, QString());
        done = true;
        writer.join();
        QVERIFY2(outcome, qPrintable(outcome.message()));
        QVERIFY2(outcome->result.warnings.join(u'\n').contains(QLatin1String("kept changing")),
            qPrintable(outcome->result.warnings.join(u'\n')));
        const UserRecord user = fixture.user(QStringLiteral("dana"));
        const UserStore store(StorageRoot(fixture.storagePath(user.storageName)), user.uuid);
        auto manifest = store.readManifest(outcome->result.snapshotId);
        QVERIFY2(manifest, qPrintable(manifest.message()));
        QCOMPARE(manifest->changingFiles(), 1);
        for (const ManifestEntry& entry : std::as_const(manifest->entries))
            QCOMPARE(entry.changing, entry.path == "growing.log");
    }
};

QTEST_GUILESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
