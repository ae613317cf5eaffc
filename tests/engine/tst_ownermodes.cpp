// Privacy on disk: everything Poolkeeper creates in a storage and in the workspace is owner-only
// whatever the umask (directories 0700, files 0600, chunks 0400, the migration log at most 0640),
// storages and workspaces of an earlier version are narrowed once by the engine and on every
// storage rescan without following a symlink, and the support bundle is written 0600.

#include "balance/balancer.h"
#include "clirunner.h"
#include "configdb/configdb.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "engine/engine.h"
#include "engine/supportbundle.h"
#include "enginefixture.h"
#include "logs/migrationlog.h"
#include "storage/ownermodes.h"
#include "storage/userstore.h"
#include "testtree.h"
#include "util/sizes.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QMutex>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

using namespace pk;
using namespace pk::test;

namespace {

// Sets the process's umask for a scope (the engine's threads share it).
class UmaskScope
{
public:
    explicit UmaskScope(mode_t mask)
        : m_previous(::umask(mask))
    { }
    ~UmaskScope() { ::umask(m_previous); }
    UmaskScope(const UmaskScope&) = delete;
    UmaskScope& operator=(const UmaskScope&) = delete;

private:
    mode_t m_previous;
};

// The "tightened ..." lines of Poolkeeper's logging categories, from any thread.
struct CapturedMessages
{
    QMutex mutex;
    QStringList tightened;
};
CapturedMessages& capturedMessages()
{
    static CapturedMessages captured;
    return captured;
}
QtMessageHandler s_previousHandler = nullptr;

void captureMessages(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (context.category && QByteArray(context.category).startsWith("poolkeeper.")
        && message.contains(QLatin1String("tightened"))) {
        QMutexLocker locker(&capturedMessages().mutex);
        capturedMessages().tightened.append(message);
    }
    if (s_previousHandler)
        s_previousHandler(type, context, message);
}

QStringList takeTightenedMessages()
{
    QMutexLocker locker(&capturedMessages().mutex);
    return std::exchange(capturedMessages().tightened, {});
}

struct DiskEntry
{
    QString path;
    mode_t mode = 0;
};

// Every entry below root (root itself too with withRoot), symlinks not followed.
QList<DiskEntry> entriesOf(const QString& root, bool withRoot)
{
    QList<DiskEntry> entries;
    auto add = [&](const QString& path) {
        struct stat st
        { };
        if (::lstat(QFile::encodeName(path).constData(), &st) == 0)
            entries.append({ path, st.st_mode });
    };
    if (withRoot)
        add(root);
    QDirIterator it(
        root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext())
        add(it.next());
    return entries;
}

bool isLogFile(const QString& path)
{
    const QString name = QFileInfo(path).fileName();
    return name.startsWith(MigrationLog::fileName()) && name != MigrationLog::lockFileName();
}

QString octal(mode_t mode)
{
    return QString::number(mode & 07777, 8).rightJustified(4, u'0');
}

// What is wrong with the modes below root: group or other bits anywhere (logs: group read only),
// directories not 0700, chunks not 0400. exactFiles: other files exactly 0600 and logs 0640.
QStringList wideEntries(const QString& root, bool withRoot, bool exactFiles)
{
    QStringList problems;
    for (const DiskEntry& entry : entriesOf(root, withRoot)) {
        const mode_t mode = entry.mode & 07777;
        const QString what = entry.path + QStringLiteral(" is ") + octal(mode);
        if (S_ISLNK(entry.mode))
            continue;
        if (S_ISDIR(entry.mode)) {
            if (mode != 0700)
                problems.append(what + QStringLiteral(", not 0700"));
        } else if (isLogFile(entry.path)) {
            if ((mode & 037) != 0 || (exactFiles && mode != 0640))
                problems.append(what + QStringLiteral(", more than 0640"));
        } else if (entry.path.contains(QLatin1String("/chunks/"))) {
            if (mode != 0400)
                problems.append(what + QStringLiteral(", not 0400"));
        } else if ((mode & 077) != 0 || (exactFiles && mode != 0600)) {
            problems.append(what + QStringLiteral(", not owner-only"));
        }
    }
    return problems;
}

QStringList storageRoots(ConfigDb& db)
{
    QStringList roots;
    for (const StorageRecord& storage : StorageRepo(db).list().valueOr({}))
        roots.append(storage.rootPath);
    return roots;
}

// The workspace with its root, and each storage without its root (the operator's directory).
QStringList wideEntriesOfPool(const QString& workspace, ConfigDb& db, bool exactFiles)
{
    QStringList problems = wideEntries(workspace, true, exactFiles);
    for (const QString& root : storageRoots(db))
        problems += wideEntries(root, false, exactFiles);
    return problems;
}

// The modes of an earlier version: directories 0755, files 0644, chunks 0444; no marker.
void widenToOldModes(const QString& root, bool withRoot)
{
    QFile::remove(OwnerModes::markerPath(StorageRoot(root)));
    for (const DiskEntry& entry : entriesOf(root, withRoot)) {
        const QByteArray path = QFile::encodeName(entry.path);
        if (S_ISDIR(entry.mode))
            QCOMPARE(::chmod(path.constData(), 0755), 0);
        else if (S_ISREG(entry.mode))
            QCOMPARE(::chmod(path.constData(), entry.path.contains(QLatin1String("/chunks/")) ? 0444 : 0644), 0);
    }
}

mode_t modeOf(const QString& path)
{
    struct stat st
    { };
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_mode : 0;
}

bool runEngine(const QString& workspace, const MigrationLogOptions& logOptions = {})
{
    Engine::Settings settings;
    settings.workspaceDir = workspace;
    settings.tickMs = 20;
    settings.logOptions = logOptions;
    return runEngineUntilIdle(settings);
}

// A pool of an earlier version: one user backed up on s1, s1's migration log with rotations,
// an engine lock; then every mode widened as that version left them, and symlinks planted in s1
// to a file and a directory outside it.
struct OldPool
{
    PoolFixture fixture;
    QString outsideFile;
    QString outsideDir;

    bool setUp()
    {
        if (!fixture.isValid())
            return false;
        const QString tree = fixture.scratch(QStringLiteral("home"));
        CrowdedPool::makeUserTree(tree, 300 * KiB, 7);
        if (!fixture.master().backup(QStringLiteral("alice"), tree, QString()))
            return false;
        MigrationLog::Options options;
        options.rotateBytes = 600;
        MigrationLog log(fixture.storagePath(QStringLiteral("s1")), options);
        for (int i = 0; i < 80; ++i) { // about 60 bytes a line: .1 and .2.gz
            if (!log.append(LogRecord::now(LogLevel::Info, QStringLiteral("line %1").arg(i))))
                return false;
        }
        if (!runEngine(fixture.workspace())) // its lock file
            return false;
        outsideFile = fixture.scratch(QStringLiteral("outside.txt"));
        outsideDir = fixture.scratch(QStringLiteral("outside-dir"));
        writeRandomFile(outsideFile, 100, 1);
        QDir().mkpath(outsideDir);
        writeRandomFile(outsideDir + QStringLiteral("/inner.txt"), 100, 2);
        ::chmod(QFile::encodeName(outsideFile).constData(), 0644);
        ::chmod(QFile::encodeName(outsideDir).constData(), 0755);
        ::chmod(QFile::encodeName(outsideDir + QStringLiteral("/inner.txt")).constData(), 0644);
        const QString s1 = fixture.storagePath(QStringLiteral("s1"));
        // Names the walk takes for Poolkeeper's: a rotated log, and entries of .poolkeeper/.
        const bool linked = QFile::link(outsideFile, s1 + QStringLiteral("/inSyncMigration.log.9"))
            && QFile::link(outsideFile, s1 + QStringLiteral("/.poolkeeper/outside-file"))
            && QFile::link(outsideDir, s1 + QStringLiteral("/.poolkeeper/outside-dir"));
        if (!linked)
            return false;
        widenToOldModes(fixture.workspace(), true);
        for (const QString& name : { QStringLiteral("s1"), QStringLiteral("s2") })
            widenToOldModes(fixture.storagePath(name), false);
        return QFile::exists(s1 + QStringLiteral("/inSyncMigration.log.2.gz"))
            && QFile::exists(fixture.workspace() + QStringLiteral("/engine.lock"));
    }

    // The symlinks are still there and what they point at kept its modes.
    QStringList outsideProblems() const
    {
        QStringList problems;
        const QString s1 = fixture.storagePath(QStringLiteral("s1"));
        const QStringList links { s1 + QStringLiteral("/inSyncMigration.log.9"),
            s1 + QStringLiteral("/.poolkeeper/outside-file"), s1 + QStringLiteral("/.poolkeeper/outside-dir") };
        for (const QString& link : links) {
            if (!S_ISLNK(modeOf(link)))
                problems.append(link + QStringLiteral(" is no longer a symlink"));
        }
        if ((modeOf(outsideFile) & 07777) != 0644)
            problems.append(QStringLiteral("the file outside is %1").arg(octal(modeOf(outsideFile))));
        if ((modeOf(outsideDir) & 07777) != 0755)
            problems.append(QStringLiteral("the directory outside is %1").arg(octal(modeOf(outsideDir))));
        const QString inner = outsideDir + QStringLiteral("/inner.txt");
        if ((modeOf(inner) & 07777) != 0644)
            problems.append(QStringLiteral("the file in the directory outside is %1").arg(octal(modeOf(inner))));
        return problems;
    }
};

} // namespace

class TestOwnerModes : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { s_previousHandler = qInstallMessageHandler(captureMessages); }
    void cleanupTestCase() { qInstallMessageHandler(s_previousHandler); }
    void init() { takeTightenedMessages(); }

    void createdOwnerOnlyWhateverTheUmask_data()
    {
        QTest::addColumn<int>("mask");
        QTest::newRow("umask 0") << 0;
        QTest::newRow("umask 022") << 022;
    }
    // A workspace, storages, backups and a migration with log rotations, all through the real
    // APIs: every entry is owner-only as it is created, so the engine has nothing to narrow.
    void createdOwnerOnlyWhateverTheUmask()
    {
        QFETCH(int, mask);
        const UmaskScope umask(static_cast<mode_t>(mask));
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));

        const QString db = pool.workspace() + u'/' + QLatin1String(ConfigDb::fileName);
        QCOMPARE(octal(modeOf(db)), octal(0600));
        for (const QString& suffix : { QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal") }) {
            if (QFileInfo::exists(db + suffix))
                QCOMPARE(octal(modeOf(db + suffix)), octal(0600));
        }
        QVERIFY(QFileInfo::exists(db + QStringLiteral("-wal"))); // the WAL's mode was checked
        QStringList problems = wideEntriesOfPool(pool.workspace(), pool.db(), false);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

        const QList<qint64> jobs = planAndApprove(pool);
        QVERIFY(!jobs.isEmpty());
        MigrationLogOptions logOptions;
        logOptions.rotateBytes = 512; // rotations and their gzip copies too
        QVERIFY(runEngine(pool.workspace(), logOptions));
        const QStringList users = pool.checkEveryUser();
        QVERIFY2(users.isEmpty(), qPrintable(users.join(u'\n')));

        bool rotated = false;
        for (const QString& root : storageRoots(pool.db()))
            rotated |= QFileInfo::exists(root + QStringLiteral("/inSyncMigration.log.2.gz"));
        QVERIFY(rotated);
        QVERIFY(QFileInfo::exists(pool.workspace() + QStringLiteral("/engine.lock")));
        problems = wideEntriesOfPool(pool.workspace(), pool.db(), false);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        // New storages carry the marker from the start: nothing was walked, nothing narrowed.
        for (const QString& root : storageRoots(pool.db()))
            QVERIFY(OwnerModes::isMarked(StorageRoot(root)));
        const QStringList messages = takeTightenedMessages();
        QVERIFY2(messages.isEmpty(), qPrintable(messages.join(u'\n')));
    }

    // An earlier version's storages and workspace, opened by the engine: narrowed once, through
    // no symlink, and logged once; the next start walks nothing.
    void engineNarrowsOldModesOnce()
    {
        OldPool old;
        QVERIFY(old.setUp());
        const QString s1 = old.fixture.storagePath(QStringLiteral("s1"));
        QVERIFY(!wideEntries(s1, false, false).isEmpty());
        takeTightenedMessages();

        QVERIFY(runEngine(old.fixture.workspace()));
        QStringList problems = wideEntriesOfPool(old.fixture.workspace(), old.fixture.db(), true);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        problems = old.outsideProblems();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

        const QStringList messages = takeTightenedMessages();
        QCOMPARE(messages.size(), 3); // s1, s2 and the workspace
        for (const QString& what : { QStringLiteral("storage 's1'"), QStringLiteral("storage 's2'"),
                 QStringLiteral("workspace '%1'").arg(old.fixture.workspace()) }) {
            QVERIFY2(
                std::count_if(messages.cbegin(), messages.cend(), [&](const QString& m) { return m.contains(what); })
                    == 1,
                qPrintable(what + QStringLiteral(" in: ") + messages.join(u'\n')));
        }
        QFile log(s1 + QStringLiteral("/inSyncMigration.log"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray lines = log.readAll();
        QCOMPARE(lines.count("event=privacy"), 1);
        QVERIFY(lines.contains("storage=s1"));
        QVERIFY(OwnerModes::isMarked(StorageRoot(s1)));
        QVERIFY(OwnerModes::isMarked(StorageRoot(old.fixture.storagePath(QStringLiteral("s2")))));

        // The next start: the marker skips the walk, so a mode widened since stays as it is
        // (storage rescan is what walks again), and nothing is logged.
        const QString storageJson = s1 + QStringLiteral("/storage.json");
        QCOMPARE(::chmod(QFile::encodeName(storageJson).constData(), 0644), 0);
        QVERIFY(runEngine(old.fixture.workspace()));
        QCOMPARE(octal(modeOf(storageJson)), octal(0644));
        QCOMPARE(takeTightenedMessages(), QStringList());
    }

    // storage rescan walks every time, marker or not, and says what it narrowed.
    void rescanNarrowsOldModes()
    {
        OldPool old;
        QVERIFY(old.setUp());
        const QString s1 = old.fixture.storagePath(QStringLiteral("s1"));
        QVERIFY(OwnerModes::writeMarker(StorageRoot(s1))); // the walk happens anyway
        const CliRunner cli(old.fixture.workspace());

        const CliResult first = cli.run({ QStringLiteral("storage"), QStringLiteral("rescan"), QStringLiteral("s1") });
        QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        QVERIFY2(first.out.contains("note: tightened") && first.out.contains("of storage 's1' to owner-only"),
            qPrintable(first.describe()));
        QVERIFY2(first.out.contains("of the workspace to owner-only"), qPrintable(first.describe()));
        QStringList problems = wideEntries(s1, false, true) + wideEntries(old.fixture.workspace(), true, true);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        problems = old.outsideProblems();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        // s2 was not rescanned: still as the earlier version left it.
        QVERIFY(!wideEntries(old.fixture.storagePath(QStringLiteral("s2")), false, false).isEmpty());

        const CliResult second = cli.run({ QStringLiteral("storage"), QStringLiteral("rescan"), QStringLiteral("s1") });
        QVERIFY2(second.exitCode == 0, qPrintable(second.describe()));
        QVERIFY2(!second.out.contains("tightened") && !second.err.contains("tightened"), qPrintable(second.describe()));
        QFile log(s1 + QStringLiteral("/inSyncMigration.log"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll().count("event=privacy"), 1);
    }

    // The walk's own report: a pass over an owner-only storage changes and logs nothing.
    void passOverOwnerOnlyStorageChangesNothing()
    {
        OldPool old;
        QVERIFY(old.setUp());
        const StorageRoot s1(old.fixture.storagePath(QStringLiteral("s1")));
        auto first = OwnerModes::tightenStorage(s1, QStringLiteral("s1"), OwnerModes::Pass::UnlessMarked);
        QVERIFY2(first, qPrintable(first.message()));
        QVERIFY(first->walked);
        QVERIFY(first->tightened > 0);
        QCOMPARE(first->problemCount, 0);
        auto skipped = OwnerModes::tightenStorage(s1, QStringLiteral("s1"), OwnerModes::Pass::UnlessMarked);
        QVERIFY(skipped);
        QVERIFY(!skipped->walked);
        auto again = OwnerModes::tightenStorage(s1, QStringLiteral("s1"), OwnerModes::Pass::Always);
        QVERIFY(again);
        QVERIFY(again->walked);
        QVERIFY(again->examined > 0);
        QCOMPARE(again->tightened, 0);
        QCOMPARE(takeTightenedMessages().size(), 1);
    }

    void supportBundleIsOwnerOnly_data()
    {
        QTest::addColumn<int>("mask");
        QTest::newRow("umask 0") << 0;
        QTest::newRow("umask 022") << 022;
    }
    void supportBundleIsOwnerOnly()
    {
        QFETCH(int, mask);
        const UmaskScope umask(static_cast<mode_t>(mask));
        PoolFixture fixture;
        QVERIFY2(fixture.isValid(), qPrintable(fixture.error()));
        const QString out = fixture.scratch(QStringLiteral("bundle.tar.gz"));
        auto written = SupportBundle::write(fixture.master(), out);
        QVERIFY2(written, qPrintable(written.message()));
        QCOMPARE(octal(modeOf(out)), octal(0600));
    }
};

QTEST_GUILESS_MAIN(TestOwnerModes)
#include "tst_ownermodes.moc"
