// poolkeeper-cli as scripts use it: the command contract (names, JSON fields, exit codes) and
// every kind of bad input, each giving one clear line on stderr, its exit code, and no change
// to anything stored.

#include "cliworkspace.h"
#include "configdb/configdb.h"
#include "testtree.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace pk;
using namespace pk::test;

class TestCli : public QObject
{
    Q_OBJECT
private slots:
    void badInput_data()
    {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::addColumn<bool>("unprivileged");

        auto row = [](const char* name, const QString& setup, const QStringList& args, int code, const QString& message,
                       bool unprivileged = false) {
            QTest::newRow(name) << setup << args << code << message << unprivileged;
        };
        const QString ok = QStringLiteral("standard");
        // Missing workspace: every command but init says to run init.
        for (const QStringList& args :
            QList<QStringList> { { "status" }, { "users" }, { "pool", "list" }, { "pool", "add", "x" },
                { "storage", "list" }, { "storage", "add", "main", "s9", "{dir}" }, { "storage", "rescan", "s1" },
                { "backup", "bob", "{src}" }, { "restore", "alice", "{target}" }, { "verify", "alice" } }) {
            QTest::newRow(qPrintable(QStringLiteral("no workspace: ") + args.join(u' ')))
                << QStringLiteral("none") << args << 3 << QStringLiteral("poolkeeper-cli init") << false;
        }
        row("workspace is a file", "wsfile", { "status" }, 1, "not a directory");
        row("configdb not sqlite", "notsqlite", { "status" }, 1, "not an SQLite database");
        row("configdb of newer schema", "newer", { "users" }, 1, "upgrade Poolkeeper");
        row("workspace unreadable", "unreadable", { "status" }, 1, "cannot read workspace", true);

        row("unknown command", ok, { "frobnicate" }, 2, "unknown command 'frobnicate'");
        row("unknown subcommand", ok, { "pool", "remove", "x" }, 2, "unknown subcommand 'pool remove'");
        row("unknown option", ok, { "users", "--colour" }, 2, "unknown option '--colour'");
        row("missing argument", ok, { "backup", "alice" }, 2, "needs USER DIR");
        row("too many arguments", ok, { "verify", "alice", "bob" }, 2, "too many arguments");
        row("option without value", ok, { "pool", "add", "p", "--high" }, 2, "needs a value");
        row("flag given a value", ok, { "users", "--json=yes" }, 2, "takes no value");
        row("percent not a number", ok, { "pool", "add", "p", "--high", "lots" }, 2, "invalid percentage");
        row("percent over 100", ok, { "pool", "add", "p", "--high", "120" }, 2, "between 0 and 100");
        row("low above high", ok, { "pool", "add", "p", "--high", "70", "--low", "80" }, 2,
            "must be below the high watermark");
        row("low equals high", ok, { "pool", "add", "p", "--high", "70", "--low", "70" }, 2,
            "must be below the high watermark");
        row("unknown mode", ok, { "pool", "add", "p", "--mode", "sometimes" }, 2, "unknown mode");
        row("empty pool name", ok, { "pool", "add", "" }, 2, "name is empty");
        row("duplicate pool", ok, { "pool", "add", "main" }, 1, "already exists");
        row("bad size", ok, { "storage", "add", "main", "s3", "{dir}", "--capacity", "12Q" }, 2, "invalid size '12Q'");
        row("zero size", ok, { "storage", "add", "main", "s3", "{dir}", "--capacity", "0" }, 2, "greater than zero");
        row("storage in unknown pool", ok, { "storage", "add", "nopool", "s3", "{dir}" }, 3, "no pool named 'nopool'");
        row("storage path missing", ok, { "storage", "add", "main", "s3", "{missing}" }, 3, "does not exist");
        row("storage path is a file", ok, { "storage", "add", "main", "s3", "{file}" }, 1, "is not a directory");
        row("storage path not writable", ok, { "storage", "add", "main", "s3", "{readonly}" }, 1, "not writable", true);
        row("two storages on one path", ok, { "storage", "add", "main", "s3", "{s1}" }, 1,
            "already the path of storage 's1'");
        row("storage nested in another", ok, { "storage", "add", "main", "s3", "{s1}/users" }, 1, "nested");
        row("path holds another storage", "copiedjson", { "storage", "add", "main", "s3", "{dir}" }, 1,
            "already holds storage 's1'");
        row("duplicate storage name", ok, { "storage", "add", "main", "s1", "{dir}" }, 1,
            "storage 's1' already exists");
        row("rescan unknown storage", ok, { "storage", "rescan", "s9" }, 3, "no storage named 's9'");
        row("backup source missing", ok, { "backup", "alice", "{missing}" }, 3, "does not exist");
        row("backup source is a file", ok, { "backup", "alice", "{file}" }, 1, "is not a directory");
        row("backup new user unknown pool", ok, { "backup", "bob", "{src}", "--pool", "nopool" }, 3,
            "no pool named 'nopool'");
        row("backup existing user other pool", ok, { "backup", "alice", "{src}", "--pool", "other" }, 1,
            "lives in pool 'main'");
        row("backup with control character name", ok, { "backup", "a\tb", "{src}" }, 2, "control character");
        row("restore unknown user", ok, { "restore", "nobody", "{target}" }, 3, "no user named 'nobody'");
        row("restore unknown snapshot", ok,
            { "restore", "alice", "{target}", "--snapshot", "20200101-000000-000-000000" }, 3, "no snapshot");
        row("restore snapshot id with path", ok, { "restore", "alice", "{target}", "--snapshot", "../../etc" }, 3,
            "not a valid snapshot id");
        row("restore into non-empty", ok, { "restore", "alice", "{nonempty}" }, 1, "not empty");
        row("restore onto a file", ok, { "restore", "alice", "{file}" }, 1, "not a directory");
        row("restore into a storage", ok, { "restore", "alice", "{s1}/users", "--force" }, 2, "inside storage 's1'");
        row("restore onto a storage's root", ok, { "restore", "alice", "{s2}", "--force" }, 2, "inside storage 's2'");
        row("restore into the workspace", ok, { "restore", "alice", "{ws}/restored" }, 2, "inside the workspace");
        row("verify unknown user", ok, { "verify", "nobody" }, 3, "no user named 'nobody'");
        row("status unknown pool", ok, { "status", "nopool" }, 3, "no pool named 'nopool'");
        row("storage list unknown pool", ok, { "storage", "list", "nopool" }, 3, "no pool named 'nopool'");
        row("corrupt storage.json", "corruptjson", { "backup", "alice", "{src}" }, 1, "is corrupt");
        row("storage.json of another storage", "swapped", { "restore", "alice", "{target}" }, 1,
            "were the paths swapped");
        row("storage disk missing", "unmounted", { "restore", "alice", "{target}" }, 1, "is the right disk mounted");
    }
    void badInput()
    {
        QFETCH(QString, setup);
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QFETCH(bool, unprivileged);
        if (unprivileged && runningAsRoot() && QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())
            QSKIP("running as root without setpriv: permissions cannot be tested");

        CliWorkspace w;
        if (setup != QLatin1String("none"))
            QVERIFY(w.setUp());
        QDir().mkpath(w.path(QStringLiteral("targets/nonempty")));
        QFile(w.path(QStringLiteral("targets/nonempty/keep.txt"))).open(QIODevice::WriteOnly);
        QFile plain(w.path(QStringLiteral("plain-file")));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.write("x");
        plain.close();
        QDir().mkpath(w.path(QStringLiteral("fresh-dir")));
        QDir().mkpath(w.path(QStringLiteral("readonly-dir")));
        QFile::setPermissions(w.path(QStringLiteral("readonly-dir")), QFile::ReadOwner | QFile::ExeOwner);

        const QString s1 = w.path(QStringLiteral("storages/s1"));
        const QString s2 = w.path(QStringLiteral("storages/s2"));
        if (w.configDb().isPostgres() && (setup == QLatin1String("notsqlite") || setup == QLatin1String("newer")))
            QSKIP("a property of the SQLite file; the PostgreSQL cases are in tst_sharedconfigdb");
        if (setup == QLatin1String("wsfile")) {
            QVERIFY(posix::removeTree(w.ws()));
            QFile file(w.ws());
            QVERIFY(file.open(QIODevice::WriteOnly));
        } else if (setup == QLatin1String("notsqlite")) {
            QFile::remove(w.dbPath());
            QFile file(w.dbPath());
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("definitely not sqlite\n");
        } else if (setup == QLatin1String("newer")) {
            {
                auto db = ConfigDb::open(w.dbPath(), ConfigDb::OpenMode::MustExist);
                QVERIFY((*db)->exec(QStringLiteral("PRAGMA user_version = 99")));
            }
        } else if (setup == QLatin1String("unreadable")) {
            QFile::setPermissions(w.ws(), QFileDevice::Permissions());
        } else if (setup == QLatin1String("copiedjson")) {
            QVERIFY(
                QFile::copy(s1 + QStringLiteral("/storage.json"), w.path(QStringLiteral("fresh-dir/storage.json"))));
        } else if (setup == QLatin1String("corruptjson")) {
            QFile file(s1 + QStringLiteral("/storage.json"));
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("{ broken");
        } else if (setup == QLatin1String("swapped")) {
            QVERIFY(QFile::rename(s1 + QStringLiteral("/storage.json"), w.path(QStringLiteral("tmp.json"))));
            QVERIFY(QFile::rename(s2 + QStringLiteral("/storage.json"), s1 + QStringLiteral("/storage.json")));
            QVERIFY(QFile::rename(w.path(QStringLiteral("tmp.json")), s2 + QStringLiteral("/storage.json")));
        } else if (setup == QLatin1String("unmounted")) {
            QVERIFY(QFile::rename(s1 + QStringLiteral("/storage.json"), w.path(QStringLiteral("away.json"))));
        }

        QStringList resolved;
        for (QString arg : args) {
            arg.replace(QLatin1String("{dir}"), w.path(QStringLiteral("fresh-dir")));
            arg.replace(QLatin1String("{src}"), w.path(QStringLiteral("src")));
            arg.replace(QLatin1String("{missing}"), w.path(QStringLiteral("does/not/exist")));
            arg.replace(QLatin1String("{file}"), w.path(QStringLiteral("plain-file")));
            arg.replace(QLatin1String("{readonly}"), w.path(QStringLiteral("readonly-dir")));
            arg.replace(QLatin1String("{target}"), w.path(QStringLiteral("targets/new")));
            arg.replace(QLatin1String("{nonempty}"), w.path(QStringLiteral("targets/nonempty")));
            arg.replace(QLatin1String("{s1}"), s1);
            arg.replace(QLatin1String("{s2}"), s2);
            arg.replace(QLatin1String("{ws}"), w.ws());
            resolved.append(arg);
        }
        const QString before = w.state();
        const QByteArray dbBytesBefore = posix::readFile(w.dbPath(), 1 << 30).valueOr(QByteArray());
        const CliResult result
            = w.cli.run(resolved, 60000, unprivileged ? CliRunner::withoutPrivileges() : QStringList());
        QFile::setPermissions(w.ws(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

        QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
        const QString err = QString::fromUtf8(result.err).trimmed();
        QVERIFY2(err.contains(message), qPrintable(result.describe()));
        QVERIFY2(err.startsWith(QLatin1String("poolkeeper-cli: ")), qPrintable(err));
        QVERIFY2(!err.contains(u'\n'), "an error is one line");
        QCOMPARE(w.state(), before);
        if (setup == QLatin1String("notsqlite") || setup == QLatin1String("newer"))
            QCOMPARE(posix::readFile(w.dbPath(), 1 << 30).valueOr(QByteArray()), dbBytesBefore);
        QVERIFY(!QFileInfo::exists(w.path(QStringLiteral("targets/new")))
            || QDir(w.path(QStringLiteral("targets/new"))).isEmpty());
    }

    void statusJsonContract()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const CliResult result = w.cli.run({ QStringLiteral("status"), QStringLiteral("--json") });
        QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
        const QJsonArray pools = result.json().object().value(QLatin1String("pools")).toArray();
        QCOMPARE(pools.size(), 1);
        const QJsonObject pool = pools.at(0).toObject();
        QCOMPARE(pool.value(QLatin1String("name")).toString(), QStringLiteral("main"));
        QCOMPARE(pool.value(QLatin1String("state")).toString(), QStringLiteral("balanced"));
        QCOMPARE(pool.value(QLatin1String("high_percent")).toDouble(), 80.0);
        QCOMPARE(pool.value(QLatin1String("low_percent")).toDouble(), 70.0);
        const QJsonArray storages = pool.value(QLatin1String("storages")).toArray();
        QCOMPARE(storages.size(), 2);
        const QJsonObject s1 = storages.at(0).toObject();
        QCOMPARE(s1.value(QLatin1String("name")).toString(), QStringLiteral("s1"));
        QCOMPARE(
            s1.value(QLatin1String("path")).toString(), QDir(w.path(QStringLiteral("storages/s1"))).canonicalPath());
        QCOMPARE(s1.value(QLatin1String("capacity_bytes")).toInteger(), qint64(64) * MiB);
        QVERIFY(s1.value(QLatin1String("used_bytes")).toInteger() > 300000);
        QVERIFY(s1.value(QLatin1String("used_percent")).toDouble() > 0.4);
        QCOMPARE(s1.value(QLatin1String("state")).toString(), QStringLiteral("online"));
        for (const char* key : { "name", "path", "capacity_bytes", "used_bytes", "used_percent", "state" })
            QVERIFY2(storages.at(1).toObject().contains(QLatin1String(key)), key);
        QVERIFY(
            storages.at(1).toObject().value(QLatin1String("capacity_bytes")).toInteger() > 0); // the filesystem's size
    }

    void listsAsJson()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const CliResult users = w.cli.run({ QStringLiteral("users"), QStringLiteral("--json") });
        QCOMPARE(users.exitCode, 0);
        const QJsonArray array = users.json().array();
        QCOMPARE(array.size(), 1);
        const QJsonObject alice = array.at(0).toObject();
        QCOMPARE(alice.value(QLatin1String("user")).toString(), QStringLiteral("alice"));
        QCOMPARE(alice.value(QLatin1String("pool")).toString(), QStringLiteral("main"));
        QCOMPARE(alice.value(QLatin1String("storage")).toString(), QStringLiteral("s1"));
        QVERIFY(alice.value(QLatin1String("bytes")).toInteger() > 300000);
        QCOMPARE(alice.value(QLatin1String("snapshots")).toInt(), 1);

        const CliResult pools = w.cli.run({ QStringLiteral("pool"), QStringLiteral("list"), QStringLiteral("--json") });
        QCOMPARE(pools.exitCode, 0);
        QCOMPARE(
            pools.json().array().at(0).toObject().value(QLatin1String("mode")).toString(), QStringLiteral("review"));
        const CliResult storages = w.cli.run(
            { QStringLiteral("storage"), QStringLiteral("list"), QStringLiteral("main"), QStringLiteral("--json") });
        QCOMPARE(storages.exitCode, 0);
        QCOMPARE(storages.json().array().size(), 2);
    }

    void backupRestoreRoundTripWithUnicode()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString source = w.path(QStringLiteral("tree"));
        QDir().mkpath(source);
        TreeSpec spec;
        spec.files = 300;
        spec.directories = 30;
        spec.bigFiles = 1;
        spec.bigFileSize = 5 * MiB;
        generateTree(source, spec);
        const QString user = QStringLiteral("Zoë Ångström 日本");
        const CliResult backup = w.cli.run({ QStringLiteral("backup"), user, source });
        QVERIFY2(backup.exitCode == 0, qPrintable(backup.describe()));
        const QString snapshot = QString::fromUtf8(backup.out).trimmed();
        static const QRegularExpression snapshotId(QStringLiteral("^\\d{8}-\\d{6}-\\d{3}-[0-9a-f]{6}$"));
        QVERIFY2(snapshotId.match(snapshot).hasMatch(), qPrintable(snapshot));

        const QString target = w.path(QStringLiteral("restored"));
        const CliResult restore
            = w.cli.run({ QStringLiteral("restore"), user, target, QStringLiteral("--snapshot"), snapshot });
        QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));
        const QStringList differences = compareTrees(source, target);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));

        // --force restores over an existing tree.
        const CliResult again = w.cli.run({ QStringLiteral("restore"), user, target, QStringLiteral("--force") });
        QVERIFY2(again.exitCode == 0, qPrintable(again.describe()));
        QVERIFY(compareTrees(source, target).isEmpty());

        const CliResult verify = w.cli.run({ QStringLiteral("verify"), user, QStringLiteral("--deep") });
        QVERIFY2(verify.exitCode == 0, qPrintable(verify.describe()));
        QVERIFY(verify.out.contains("is consistent"));
    }

    void unreadableFilesAreReportedAndTheRestBackedUp()
    {
        if (runningAsRoot() && QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())
            QSKIP("running as root without setpriv: an unreadable file cannot be made");
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString source = w.path(QStringLiteral("partly"));
        QDir().mkpath(source + QStringLiteral("/locked-dir"));
        writeRandomFile(source + QStringLiteral("/readable.txt"), 5000, 1);
        writeRandomFile(source + QStringLiteral("/secret.txt"), 5000, 2);
        // Another name of the unreadable file: left out with it, or the snapshot would name a file it lacks.
        QCOMPARE(::link(QFile::encodeName(source + QStringLiteral("/secret.txt")).constData(),
                     QFile::encodeName(source + QStringLiteral("/yet-another-name.txt")).constData()),
            0);
        writeRandomFile(source + QStringLiteral("/locked-dir/inner.txt"), 5000, 3);
        QFile::setPermissions(source + QStringLiteral("/secret.txt"), QFileDevice::Permissions());
        QFile::setPermissions(source + QStringLiteral("/locked-dir"), QFileDevice::Permissions());
        // The workspace must stay usable without privileges: hand it to nobody in particular by
        // keeping it owner-accessible (the owner is us).
        const CliResult backup = w.cli.run(
            { QStringLiteral("backup"), QStringLiteral("alice"), source }, 60000, CliRunner::withoutPrivileges());
        QFile::setPermissions(
            source + QStringLiteral("/locked-dir"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QVERIFY2(backup.exitCode == 0, qPrintable(backup.describe()));
        QVERIFY2(backup.err.contains("secret.txt") && backup.err.contains("Permission denied"),
            qPrintable(backup.describe()));
        QVERIFY(backup.err.contains("locked-dir"));
        QVERIFY2(backup.err.contains(QByteArray("/yet-another-name.txt' was left out: it is another name of")),
            qPrintable(backup.describe()));

        const QString target = w.path(QStringLiteral("restored"));
        const CliResult restore = w.cli.run({ QStringLiteral("restore"), QStringLiteral("alice"), target });
        QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));
        QVERIFY(QFile::exists(target + QStringLiteral("/readable.txt")));
        QVERIFY(!QFile::exists(target + QStringLiteral("/secret.txt")));
        QVERIFY(!QFile::exists(target + QStringLiteral("/yet-another-name.txt")));
        QVERIFY(QFileInfo(target + QStringLiteral("/locked-dir")).isDir());
    }

    void quotaAndDamageThroughTheCli()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString big = w.path(QStringLiteral("big"));
        QDir().mkpath(big);
        for (int i = 0; i < 18; ++i)
            writeRandomFile(big + QStringLiteral("/f%1").arg(i), 4 * MiB, static_cast<quint32>(100 + i));
        const QString before = w.state();
        const CliResult backup = w.cli.run({ QStringLiteral("backup"), QStringLiteral("alice"), big });
        QCOMPARE(backup.exitCode, 1);
        QVERIFY2(backup.err.contains("s1") && (backup.err.contains("quota") || backup.err.contains("full")),
            qPrintable(backup.describe()));
        QCOMPARE(w.state(), before);

        // Damage one chunk: verify lists it and exits 1.
        QDir chunks(w.path(QStringLiteral("storages/s1/users")));
        const QString userDir = chunks.entryList(QDir::Dirs | QDir::NoDotAndDotDot).constFirst();
        QDirIterator it(
            chunks.filePath(userDir + QStringLiteral("/chunks")), QDir::Files, QDirIterator::Subdirectories);
        QVERIFY(it.hasNext());
        const QString chunk = it.next();
        QFile::setPermissions(chunk, QFile::ReadOwner | QFile::WriteOwner);
        QFile file(chunk);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.write("XXXX");
        file.close();
        const CliResult verify
            = w.cli.run({ QStringLiteral("verify"), QStringLiteral("alice"), QStringLiteral("--deep") });
        QCOMPARE(verify.exitCode, 1);
        QVERIFY(verify.out.contains("wrong hash"));
        QVERIFY(verify.err.contains("inconsistent"));
        const CliResult shallow = w.cli.run({ QStringLiteral("verify"), QStringLiteral("alice") });
        QCOMPARE(shallow.exitCode, 0);
    }

    void workspaceResolution()
    {
        QTemporaryDir home;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("POOLKEEPER_WORKSPACE"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
        const CliResult init = CliRunner::runRaw({ QStringLiteral("init") }, env);
        QCOMPARE(init.exitCode, 0);
        QVERIFY(QFile::exists(home.filePath(QStringLiteral("data/poolkeeper/configdb.sqlite"))));

        env.insert(QStringLiteral("POOLKEEPER_WORKSPACE"), home.filePath(QStringLiteral("from-env")));
        QCOMPARE(CliRunner::runRaw({ QStringLiteral("status") }, env).exitCode, 3);
        QCOMPARE(CliRunner::runRaw({ QStringLiteral("init") }, env).exitCode, 0);
        QVERIFY(QFile::exists(home.filePath(QStringLiteral("from-env/configdb.sqlite"))));
        // --workspace wins over the environment.
        const CliResult flag = CliRunner::runRaw(
            { QStringLiteral("--workspace"), home.filePath(QStringLiteral("flag")), QStringLiteral("status") }, env);
        QCOMPARE(flag.exitCode, 3);
        QVERIFY(flag.err.contains(home.filePath(QStringLiteral("flag")).toUtf8()));
    }

    void helpAndVersion_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("--help") << QStringList { "--help" } << "Usage: poolkeeper-cli";
        QTest::newRow("no arguments needs a command") << QStringList {} << "";
        QTest::newRow("--version") << QStringList { "--version" } << "poolkeeper-cli 0.";
        QTest::newRow("backup --help") << QStringList { "backup", "--help" } << "Usage: poolkeeper-cli backup USER DIR";
        QTest::newRow("storage add --help") << QStringList { "storage", "add", "--help" } << "--capacity SIZE";
        QTest::newRow("help after args") << QStringList { "restore", "alice", "--help" } << "--snapshot ID";
    }
    void helpAndVersion()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const CliResult result = CliRunner::runRaw(args);
        if (expected.isEmpty()) {
            QCOMPARE(result.exitCode, 2);
            QVERIFY(result.err.contains("no command given"));
            return;
        }
        QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
        QVERIFY2(result.out.contains(expected.toUtf8()), qPrintable(result.describe()));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
