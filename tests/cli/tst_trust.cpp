// The defects found by trying Poolkeeper as a careful, hostile operator would, each through the
// real poolkeeper-cli: a failed forced restore, special files planted where chunks belong, a
// ConfigDb that cannot answer during a backup, restores aimed at Poolkeeper's own data, races
// between rescans, drains and backups, cancels that must win, retries after a kill, and signals.

#include "cliworkspace.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "pgserver.h"
#include "storage/userstore.h"
#include "testtree.h"
#include "util/filelock.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace pk;
using namespace pk::test;

namespace {

// The chunk files of one file of a user's newest snapshot.
QStringList chunksOf(const QString& userDir, const QByteArray& file)
{
    const UserStore store(
        StorageRoot(QFileInfo(userDir).path().chopped(QStringLiteral("/users").size())), QFileInfo(userDir).fileName());
    auto ids = store.snapshotIds();
    if (!ids || ids->isEmpty())
        return {};
    auto manifest = store.readManifest(ids->constLast());
    if (!manifest)
        return {};
    QStringList paths;
    for (const ManifestEntry& entry : std::as_const(manifest->entries)) {
        if (entry.path == file) {
            for (const ChunkRef& chunk : entry.chunks)
                paths.append(store.chunkPath(chunk.hash));
        }
    }
    return paths;
}

void flipByte(const QString& path, qint64 offset)
{
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.seek(offset));
    const char c = file.read(1).at(0);
    QVERIFY(file.seek(offset));
    file.write(QByteArray(1, static_cast<char>(c ^ 0x5a)));
}

QByteArray contentOf(const QString& path)
{
    return posix::readFile(path, 1 << 30).valueOr(QByteArray("<unreadable>"));
}

// Runs raw SQL on ConfigDb, as another program (or a broken disk) would change it.
bool rawSql(const CliWorkspace& w, const QString& statement)
{
    if (w.configDb().isPostgres()) {
        PgServer* server = PgServer::shared();
        return server && server->runSql(w.configDb().database(), statement);
    }
    const QString name = QStringLiteral("raw-sql");
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(w.dbPath());
        if (db.open()) {
            QSqlQuery query(db);
            ok = query.exec(statement);
            if (!ok)
                qWarning("%s", qPrintable(statement));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

int snapshotCount(const CliWorkspace& w, const QString& user)
{
    const CliResult users = w.cli.run({ QStringLiteral("users"), QStringLiteral("--json") });
    const QJsonArray array = users.json().array();
    for (const auto& value : array) {
        if (value.toObject().value(QLatin1String("user")).toString() == user)
            return value.toObject().value(QLatin1String("snapshots")).toInt();
    }
    return -1;
}

int manifestCount(const QString& userDir)
{
    return static_cast<int>(
        QDir(userDir + QStringLiteral("/snapshots")).entryList({ QStringLiteral("*.json") }, QDir::Files).size());
}

// A poolkeeper-cli process that stops at a failpoint until the test lets it go.
class PausedCli
{
public:
    PausedCli(const QString& workspace, const QStringList& args, const QString& point)
        : m_point(point)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), point + QStringLiteral("=pause"));
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINT_DIR"), m_dir.path());
        process.setProcessEnvironment(env);
        process.start(CliRunner::binary(), QStringList { QStringLiteral("--workspace"), workspace } + args);
    }
    ~PausedCli()
    {
        release();
        if (process.state() != QProcess::NotRunning && !process.waitForFinished(60000))
            process.kill();
    }
    bool reached() const { return QFile::exists(m_dir.filePath(m_point + QStringLiteral(".reached"))); }
    void release() { QFile(m_dir.filePath(m_point + QStringLiteral(".go"))).open(QIODevice::WriteOnly); }
    // Exit code once finished, -1 when it crashed or did not finish.
    int finish()
    {
        release();
        if (process.state() != QProcess::NotRunning && !process.waitForFinished(120000))
            return -1;
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    QProcess process;

private:
    QTemporaryDir m_dir;
    QString m_point;
};

// The storage a first backup claimed, as ConfigDb records it.
QString claimedStorage(const CliWorkspace& w)
{
    auto db = ConfigDb::open(w.configDb(), ConfigDb::OpenMode::MustExist);
    if (!db)
        return {};
    auto row = (*db)->queryRow(QStringLiteral("SELECT s.name FROM claims c JOIN storages s ON s.id = c.storage_id"));
    return row && !row->isEmpty() ? row->value(0).toString() : QString();
}

} // namespace

class TestTrust : public QObject
{
    Q_OBJECT
private slots:
    // Defect 1: a failed restore --force must leave the files it would have replaced intact.
    void failedForcedRestoreKeepsExistingFiles()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString target = w.path(QStringLiteral("targets/home"));
        const CliResult first = w.cli.run({ QStringLiteral("restore"), QStringLiteral("alice"), target });
        QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        // The user worked on since: these are the files a failed restore must not lose.
        const QString report = target + QStringLiteral("/docs/report.bin");
        const QString note = target + QStringLiteral("/naïve file.txt");
        QFile::setPermissions(report, QFile::ReadOwner | QFile::WriteOwner);
        writeRandomFile(report, 12345, 77);
        QFile::setPermissions(report, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup);
        writeRandomFile(note, 999, 78);
        const QByteArray reportBefore = contentOf(report);
        const QFileDevice::Permissions reportMode = QFile::permissions(report);

        const QStringList chunks
            = chunksOf(w.userDir(QStringLiteral("s1"), QStringLiteral("alice")), "docs/report.bin");
        QVERIFY(!chunks.isEmpty());
        flipByte(chunks.constFirst(), 100); // same size: only its hash tells

        const CliResult forced
            = w.cli.run({ QStringLiteral("restore"), QStringLiteral("alice"), target, QStringLiteral("--force") });
        QCOMPARE(forced.exitCode, 1);
        const QString err = QString::fromUtf8(forced.err);
        QVERIFY2(err.contains(QLatin1String("partial")) && err.contains(QLatin1String("docs/report.bin"))
                && err.contains(QLatin1String("wrong hash"))
                && err.contains(QLatin1String("1 of 2 files were restored")),
            qPrintable(forced.describe()));
        QCOMPARE(contentOf(report), reportBefore);
        QCOMPARE(QFile::permissions(report), reportMode);
        // The other file was restored; no temporary file is left behind.
        QCOMPARE(contentOf(note), contentOf(w.path(QStringLiteral("src/naïve file.txt"))));
        QDirIterator leftovers(
            target, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (leftovers.hasNext())
            QVERIFY2(!leftovers.next().contains(QLatin1String(".pk-restore-")), qPrintable(leftovers.filePath()));
    }

    void restoreWithMissingChunkChangesNothing()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString target = w.path(QStringLiteral("targets/home"));
        QVERIFY(w.cli.run({ QStringLiteral("restore"), QStringLiteral("alice"), target }).exitCode == 0);
        writeRandomFile(target + QStringLiteral("/naïve file.txt"), 999, 78);
        const QStringList chunks
            = chunksOf(w.userDir(QStringLiteral("s1"), QStringLiteral("alice")), "docs/report.bin");
        QVERIFY(QFile::remove(chunks.constFirst()));
        const QByteArray before = fingerprint(target);
        const CliResult forced
            = w.cli.run({ QStringLiteral("restore"), QStringLiteral("alice"), target, QStringLiteral("--force") });
        QCOMPARE(forced.exitCode, 1);
        QVERIFY2(
            forced.err.contains("is missing") && forced.err.contains("was changed"), qPrintable(forced.describe()));
        QCOMPARE(fingerprint(target), before);
    }

    // Defect 2: a FIFO, socket or device where a chunk belongs is an inconsistency found at once.
    void specialFileWhereChunkBelongs_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<int>("exitCode");
        for (const char* kind : { "fifo", "socket", "device" }) {
            const QString k = QString::fromLatin1(kind);
            QTest::newRow(qPrintable(k + QStringLiteral(" verify --deep")))
                << k << QStringList { "verify", "alice", "--deep" } << 1;
            QTest::newRow(qPrintable(k + QStringLiteral(" verify"))) << k << QStringList { "verify", "alice" } << 1;
            QTest::newRow(qPrintable(k + QStringLiteral(" restore")))
                << k << QStringList { "restore", "alice", "{target}" } << 1;
            QTest::newRow(qPrintable(k + QStringLiteral(" drain scan")))
                << k << QStringList { "storage", "drain", "s1" } << 0;
        }
    }
    void specialFileWhereChunkBelongs()
    {
        QFETCH(QString, kind);
        QFETCH(QStringList, command);
        QFETCH(int, exitCode);
        if (kind == QLatin1String("device") && !runningAsRoot())
            QSKIP("creating a device node needs root");
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QStringList chunks
            = chunksOf(w.userDir(QStringLiteral("s1"), QStringLiteral("alice")), "docs/report.bin");
        QVERIFY(!chunks.isEmpty());
        const QByteArray chunk = QFile::encodeName(chunks.constFirst());
        QVERIFY(QFile::remove(chunks.constFirst()));
        const mode_t type
            = kind == QLatin1String("fifo") ? S_IFIFO : (kind == QLatin1String("socket") ? S_IFSOCK : S_IFCHR);
        // The device is /dev/zero's: read, it never ends.
        QCOMPARE(::mknod(chunk.constData(), type | 0644, type == S_IFCHR ? makedev(1, 5) : 0), 0);

        for (QString& arg : command)
            arg.replace(QLatin1String("{target}"), w.path(QStringLiteral("targets/out")));
        const CliResult result = w.cli.run(command, 60000);
        QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
        const QString all = QString::fromUtf8(result.out + result.err);
        const QString expected = kind == QLatin1String("fifo")
            ? QStringLiteral("a FIFO")
            : (kind == QLatin1String("socket") ? QStringLiteral("a socket") : QStringLiteral("a character device"));
        QVERIFY2(all.contains(expected), qPrintable(result.describe()));
    }

    // Defect 3: when ConfigDb cannot say where the user lives after the locks, no byte is written.
    void backupStopsWhenConfigDbCannotConfirmThePlace()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString userDir = w.userDir(QStringLiteral("s1"), QStringLiteral("alice"));
        const QString storagesBefore = QString::fromLatin1(fingerprint(w.path(QStringLiteral("storages/s1/users"))));
        QTemporaryDir points;
        QProcess backup;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), QStringLiteral("backup-locked=pause"));
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINT_DIR"), points.path());
        backup.setProcessEnvironment(env);
        backup.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), w.ws(), QStringLiteral("backup"), QStringLiteral("alice"),
                w.path(QStringLiteral("src")) });
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(points.filePath(QStringLiteral("backup-locked.reached"))), 30000);
        // The look-up that follows the locks fails (here: the table is gone for a moment).
        QVERIFY(rawSql(w, QStringLiteral("ALTER TABLE users RENAME TO users_away")));
        QFile(points.filePath(QStringLiteral("backup-locked.go"))).open(QIODevice::WriteOnly);
        QVERIFY(backup.waitForFinished(60000));
        QVERIFY(rawSql(w, QStringLiteral("ALTER TABLE users_away RENAME TO users")));
        QCOMPARE(backup.exitCode(), 1);
        const QByteArray err = backup.readAllStandardError();
        QVERIFY2(
            err.contains("could not confirm where user 'alice' lives") && err.contains("try again"), err.constData());
        // Nothing was written to the storage the user may have left.
        QCOMPARE(manifestCount(userDir), 1);
        QCOMPARE(QString::fromLatin1(fingerprint(w.path(QStringLiteral("storages/s1/users")))), storagesBefore);
        QCOMPARE(snapshotCount(w, QStringLiteral("alice")), 1);
    }

    // Defect 6: rescan takes the writers' lock, so a backup committed meanwhile is never undone.
    void rescanNeverUndoesABackupCommittedMeanwhile()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        PausedCli rescan(w.ws(), { QStringLiteral("storage"), QStringLiteral("rescan"), QStringLiteral("s1") },
            QStringLiteral("rescan-listed"));
        QTRY_VERIFY_WITH_TIMEOUT(rescan.reached(), 30000);
        // Rescan has listed alice's manifests; a backup of alice now waits for rescan's lock.
        QProcess backup;
        backup.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), w.ws(), QStringLiteral("backup"), QStringLiteral("alice"),
                w.path(QStringLiteral("src")) });
        QVERIFY(backup.waitForStarted());
        QCOMPARE(rescan.finish(), 0);
        QVERIFY(backup.state() == QProcess::NotRunning || backup.waitForFinished(60000));
        QCOMPARE(backup.exitCode(), 0);
        QCOMPARE(snapshotCount(w, QStringLiteral("alice")), 2);
        const CliResult again
            = w.cli.run({ QStringLiteral("storage"), QStringLiteral("rescan"), QStringLiteral("s1") });
        QVERIFY2(again.exitCode == 0 && again.out.contains("nothing to correct"), qPrintable(again.describe()));
    }

    // A first backup placed on a storage just before its drain commits is moved off too.
    void drainMovesAUserPlacedJustBeforeIt()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        QDir().mkpath(w.path(QStringLiteral("bob")));
        writeRandomFile(w.path(QStringLiteral("bob/file.bin")), 200000, 5);
        PausedCli bob(w.ws(), { QStringLiteral("backup"), QStringLiteral("bob"), w.path(QStringLiteral("bob")) },
            QStringLiteral("backup-placed"));
        QTRY_VERIFY_WITH_TIMEOUT(bob.reached(), 30000);
        const QString placedOn = claimedStorage(w);
        QVERIFY(!placedOn.isEmpty());
        QProcess drain;
        drain.start(CliRunner::binary(),
            { QStringLiteral("--workspace"), w.ws(), QStringLiteral("storage"), QStringLiteral("drain"), placedOn,
                QStringLiteral("--wait") });
        QTRY_VERIFY_WITH_TIMEOUT(
            w.cli.run({ QStringLiteral("storage"), QStringLiteral("list"), QStringLiteral("--json") })
                .out.contains("\"draining\""),
            30000);
        QCOMPARE(bob.finish(), 0);
        QVERIFY(drain.state() == QProcess::NotRunning || drain.waitForFinished(120000));
        QVERIFY2(drain.exitCode() == 0, drain.readAllStandardError().constData());
        QVERIFY(!w.storageOf(QStringLiteral("bob")).isEmpty());
        QVERIFY(w.storageOf(QStringLiteral("bob")) != placedOn);
        QVERIFY(w.storageOf(QStringLiteral("alice")) != placedOn);
        const CliResult verify
            = w.cli.run({ QStringLiteral("verify"), QStringLiteral("bob"), QStringLiteral("--deep") });
        QVERIFY2(verify.exitCode == 0, qPrintable(verify.describe()));
    }

    // A storage add killed between writing storage.json and its commit succeeds when retried.
    void storageAddCompletesWhenRetried()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString dir = w.path(QStringLiteral("storages/s3"));
        QDir().mkpath(dir);
        const QStringList add = { QStringLiteral("--workspace"), w.ws(), QStringLiteral("storage"),
            QStringLiteral("add"), QStringLiteral("main"), QStringLiteral("s3"), dir };
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), QStringLiteral("storage-json-written=kill"));
        QCOMPARE(CliRunner::runRaw(add, env).exitCode, -1);
        QVERIFY(QFile::exists(dir + QStringLiteral("/storage.json")));
        const CliResult retried = CliRunner::runRaw(add);
        QVERIFY2(retried.exitCode == 0, qPrintable(retried.describe()));
        QVERIFY(w.cli.run({ QStringLiteral("storage"), QStringLiteral("list") }).out.contains("s3"));
        // Still refused for another name or pool: that is someone else's storage.
        QDir().mkpath(w.path(QStringLiteral("storages/s4")));
        env.insert(QStringLiteral("POOLKEEPER_FAILPOINTS"), QStringLiteral("storage-json-written=kill"));
        QCOMPARE(
            CliRunner::runRaw({ QStringLiteral("--workspace"), w.ws(), QStringLiteral("storage"), QStringLiteral("add"),
                                  QStringLiteral("main"), QStringLiteral("s4"), w.path(QStringLiteral("storages/s4")) },
                env)
                .exitCode,
            -1);
        const CliResult otherName = w.cli.run({ QStringLiteral("storage"), QStringLiteral("add"),
            QStringLiteral("main"), QStringLiteral("s5"), w.path(QStringLiteral("storages/s4")) });
        QCOMPARE(otherName.exitCode, 1);
        QVERIFY(otherName.err.contains("already holds storage 's4'"));
    }

    // A damaged chunk that later backups deduplicated against: every snapshot it spoils is named.
    void deepVerifyNamesEverySnapshotOfADamagedChunk()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const CliResult second
            = w.cli.run({ QStringLiteral("backup"), QStringLiteral("alice"), w.path(QStringLiteral("src")) });
        QCOMPARE(second.exitCode, 0);
        const QString userDir = w.userDir(QStringLiteral("s1"), QStringLiteral("alice"));
        flipByte(chunksOf(userDir, "docs/report.bin").constFirst(), 10);
        const CliResult verify
            = w.cli.run({ QStringLiteral("verify"), QStringLiteral("alice"), QStringLiteral("--deep") });
        QCOMPARE(verify.exitCode, 1);
        const QStringList ids = QDir(userDir + QStringLiteral("/snapshots")).entryList({ QStringLiteral("*.json") });
        QCOMPARE(ids.size(), 2);
        for (const QString& id : ids)
            QVERIFY2(verify.out.contains(id.chopped(5).toUtf8()), qPrintable(verify.describe()));
        QVERIFY(verify.out.contains("2 snapshots depend on it"));
    }

    // SIGTERM and SIGINT end every long command promptly and leave nothing half done: each is
    // held at a failpoint in the middle of its work, signalled, and let go.
    void signalsEndLongCommands_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QString>("point");
        QTest::addColumn<int>("signal");
        QTest::newRow("backup, SIGTERM") << QStringList { "backup", "alice", "{big}" } << "backup-chunk" << SIGTERM;
        QTest::newRow("backup, SIGINT") << QStringList { "backup", "alice", "{big}" } << "backup-chunk" << SIGINT;
        QTest::newRow("restore") << QStringList { "restore", "alice", "{target}" } << "restore-file" << SIGTERM;
        QTest::newRow("verify --deep") << QStringList { "verify", "alice", "--deep" } << "verify-chunk" << SIGTERM;
        QTest::newRow("migrate --wait") << QStringList { "migrate", "main", "--wait", "--max-rate", "1M" }
                                        << "copy-chunk" << SIGTERM;
        QTest::newRow("log --follow") << QStringList { "log", "s1", "--follow" } << "" << SIGTERM;
    }
    void signalsEndLongCommands()
    {
        QFETCH(QStringList, command);
        QFETCH(QString, point);
        QFETCH(int, signal);
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString big = w.path(QStringLiteral("big"));
        QDir().mkpath(big);
        for (int i = 0; i < 8; ++i)
            writeRandomFile(big + QStringLiteral("/part%1.bin").arg(i), 3 * MiB, static_cast<quint32>(40 + i));
        if (command.constFirst() == QLatin1String("migrate")) {
            // One approved move of alice, big enough to take a while at the rate given, to s2.
            QCOMPARE(w.cli.run({ QStringLiteral("backup"), QStringLiteral("alice"), big }).exitCode, 0);
            auto db = ConfigDb::open(w.configDb(), ConfigDb::OpenMode::MustExist);
            QVERIFY(db);
            auto alice = UserRepo(**db).byName(QStringLiteral("alice"));
            auto s2 = StorageRepo(**db).byName(QStringLiteral("s2"));
            QVERIFY(alice && s2);
            QVERIFY(JobRepo(**db).create(JobKind::Drain, 0, alice->id, alice->storageId, s2->id, alice->bytes));
        }
        if (command.constFirst() == QLatin1String("log")) {
            QFile log(w.path(QStringLiteral("storages/s1/inSyncMigration.log")));
            QVERIFY(log.open(QIODevice::Append));
            log.write("ts=2026-11-24T10:15:02.123Z level=info event=drain storage=s1 msg=\"a line to show\"\n");
        }
        for (QString& arg : command) {
            arg.replace(QLatin1String("{big}"), big);
            arg.replace(QLatin1String("{target}"), w.path(QStringLiteral("targets/out")));
        }
        const QString before = w.state();
        PausedCli cli(w.ws(), command, point.isEmpty() ? QStringLiteral("none") : point);
        if (point.isEmpty())
            QTRY_VERIFY_WITH_TIMEOUT(cli.process.bytesAvailable() > 0 || cli.process.waitForReadyRead(100), 30000);
        else
            QTRY_VERIFY_WITH_TIMEOUT(cli.reached(), 60000);
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(::kill(static_cast<pid_t>(cli.process.processId()), signal), 0);
        const int exitCode = cli.finish();
        qInfo("ended %lld ms after the signal", clock.elapsed());
        // A bound for "promptly" that a loaded or sanitized build still meets; a command that
        // ignored the signal would run to its end or hang.
        QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
        const QByteArray err = cli.process.readAllStandardError();
        if (command.constFirst() == QLatin1String("log")) {
            QVERIFY2(exitCode == 0 || exitCode == 130, err.constData());
            return;
        }
        QVERIFY2(
            exitCode == 130, qPrintable(QString::number(exitCode) + QStringLiteral(": ") + QString::fromUtf8(err)));
        if (command.constFirst() == QLatin1String("backup") || command.constFirst() == QLatin1String("verify")) {
            QCOMPARE(w.state(), before); // nothing kept, nothing counted
        } else if (command.constFirst() == QLatin1String("restore")) {
            QVERIFY2(err.contains("partial (stopped)"), err.constData());
            QDirIterator leftovers(w.path(QStringLiteral("targets")),
                QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
            while (leftovers.hasNext())
                QVERIFY2(!leftovers.next().contains(QLatin1String(".pk-restore-")), qPrintable(leftovers.filePath()));
        } else if (command.constFirst() == QLatin1String("migrate")) {
            // The job resumes and finishes at the next run.
            QCOMPARE(w.storageOf(QStringLiteral("alice")), QStringLiteral("s1"));
            const CliResult resumed
                = w.cli.run({ QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait") });
            QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.describe()));
            QCOMPARE(w.storageOf(QStringLiteral("alice")), QStringLiteral("s2"));
        }
    }
};

QTEST_GUILESS_MAIN(TestTrust)
#include "tst_trust.moc"
