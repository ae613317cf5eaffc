// Chaos: dozens of SIGKILLs of the migrating engine at random moments while other processes back
// up users of the same pool (some of them killed too, first backups of new users among them).
// Afterwards every backup that reported success restores byte for byte, every user verifies
// deeply, ConfigDb passes its integrity and foreign key checks, no user has data on two storages,
// and a rescan of every storage finds nothing to correct. The seed is printed; set
// POOLKEEPER_CHAOS_SEED to replay a run and POOLKEEPER_CHAOS_ROUNDS to make it longer.

#include "clirunner.h"
#include "configdb/configdb.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "enginefixture.h"
#include "testtree.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QEventLoop>
#include <QProcess>
#include <QRandomGenerator>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <memory>

using namespace pk;
using namespace pk::test;

namespace {

struct Snapshot
{
    QString user;
    QString id;
    QString tree; // the directory it was made from, never changed afterwards
};

// A poolkeeper-cli process of the chaos, perhaps killed after a delay.
struct Actor
{
    std::unique_ptr<QProcess> process;
    QString user; // backups
    QString tree;
    bool killed = false;
};

int defaultRounds()
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return 8; // every process runs several times slower: fewer rounds keep the suite's time
#else
    return 40;
#endif
}

} // namespace

class TestChaos : public QObject
{
    Q_OBJECT
private slots:
    void killsDuringMigrationsAndBackupsLoseNothing()
    {
        const quint32 seed = qEnvironmentVariableIsSet("POOLKEEPER_CHAOS_SEED")
            ? static_cast<quint32>(qEnvironmentVariableIntValue("POOLKEEPER_CHAOS_SEED"))
            : QRandomGenerator::global()->generate();
        const int rounds = qEnvironmentVariableIsSet("POOLKEEPER_CHAOS_ROUNDS")
            ? qEnvironmentVariableIntValue("POOLKEEPER_CHAOS_ROUNDS")
            : defaultRounds();
        qInfo("chaos seed %u, %d rounds (replay with POOLKEEPER_CHAOS_SEED=%u)", seed, rounds, seed);
        QRandomGenerator random(seed);

        // Three storages with room for everybody anywhere, six users on the first.
        CrowdedPool pool(6, MiB, 64 * MiB, 64 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        const QString workspace = pool.workspace();
        QStringList users = pool.users();
        QList<Snapshot> snapshots;
        for (const QString& user : std::as_const(users)) {
            auto record = UserRepo(pool.db()).byName(user).value();
            auto ids = UserRepo(pool.db()).snapshots(record.id).value();
            snapshots.append({ user, ids.constFirst().snapshotId, pool.tree(user) });
        }
        QHash<QString, QString> latestTree;
        for (const QString& user : std::as_const(users))
            latestTree.insert(user, pool.tree(user));
        const QList<StorageRecord> storages = StorageRepo(pool.db()).list().value();

        int kills = 0;
        int backupsKilled = 0;
        int newUsers = 0;
        for (int round = 0; round < rounds; ++round) {
            // New moves: a user without an active job goes to another storage.
            auto active = JobRepo(pool.db()).list(true).value();
            QSet<qint64> moving;
            for (const JobRecord& job : std::as_const(active))
                moving.insert(job.userId);
            int created = 0;
            for (int attempt = 0; attempt < 20 && created < 2; ++attempt) {
                const QString& name = users.at(static_cast<int>(random.bounded(users.size())));
                auto user = UserRepo(pool.db()).byName(name);
                if (!user || moving.contains(user->id))
                    continue;
                const StorageRecord& to = storages.at(static_cast<int>(random.bounded(storages.size())));
                if (to.id == user->storageId)
                    continue;
                if (JobRepo(pool.db()).create(JobKind::Balance, 0, user->id, user->storageId, to.id, user->bytes)) {
                    moving.insert(user->id);
                    ++created;
                }
            }

            std::vector<Actor> actors;
            auto start = [&](const QStringList& args, const QString& user = {}, const QString& tree = {}) -> Actor& {
                Actor actor;
                actor.process = std::make_unique<QProcess>();
                actor.process->start(
                    CliRunner::binary(), QStringList { QStringLiteral("--workspace"), workspace } + args);
                actor.user = user;
                actor.tree = tree;
                actors.push_back(std::move(actor));
                return actors.back();
            };
            // The engine, throttled so that the kill finds it in the middle of something.
            start({ QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait"),
                QStringLiteral("--max-rate"), QStringLiteral("%1").arg(MiB + random.bounded(3 * MiB)) });
            // Backups of existing users, each from a new version of the user's tree.
            for (int n = 0; n < 2; ++n) {
                const QString& user = users.at(static_cast<int>(random.bounded(users.size())));
                if (std::any_of(actors.cbegin(), actors.cend(), [&](const Actor& a) { return a.user == user; }))
                    continue;
                const QString tree = pool.fixture().scratch(QStringLiteral("tree-%1-r%2").arg(qHash(user)).arg(round));
                QVERIFY(QDir().mkpath(tree));
                QVERIFY(QProcess::execute(
                            QStringLiteral("cp"), { QStringLiteral("-a"), latestTree.value(user) + u'/', tree + u'/' })
                    == 0);
                writeRandomFile(tree + QStringLiteral("/round-%1.bin").arg(round), 100000 + random.bounded(400000),
                    random.generate());
                start({ QStringLiteral("backup"), user, tree }, user, tree);
            }
            // Now and then the first backup of a new user.
            if (random.bounded(3) == 0) {
                const QString user = QStringLiteral("newcomer-%1").arg(round);
                const QString tree = pool.fixture().scratch(QStringLiteral("new-%1").arg(round));
                CrowdedPool::makeUserTree(tree, MiB / 2, random.generate());
                start({ QStringLiteral("backup"), user, tree }, user, tree);
            }

            // Kill the engine and, sometimes, a backup at random moments.
            for (size_t i = 0; i < actors.size(); ++i) {
                const bool engine = i == 0;
                if (!engine && random.bounded(3) != 0)
                    continue;
                const int delay = static_cast<int>(random.bounded(engine ? 700 : 300));
                QTimer::singleShot(delay, actors[i].process.get(), [&actors, i] {
                    QProcess& process = *actors[i].process;
                    if (process.state() != QProcess::NotRunning) {
                        ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
                        actors[i].killed = true;
                    }
                });
            }
            // The event loop runs while waiting: the kills above fire from it.
            QTRY_VERIFY_WITH_TIMEOUT(std::all_of(actors.cbegin(), actors.cend(),
                                         [](const Actor& a) { return a.process->state() == QProcess::NotRunning; }),
                300000);
            for (Actor& actor : actors) {
                const bool crashed = actor.process->exitStatus() == QProcess::CrashExit;
                if (actor.user.isEmpty()) {
                    kills += crashed ? 1 : 0;
                    continue;
                }
                if (crashed) {
                    ++backupsKilled;
                    continue;
                }
                // A backup may fail cleanly (a move froze the user and ConfigDb was busy, say);
                // only those that reported success are promised.
                if (actor.process->exitCode() != 0)
                    continue;
                const QString id = QString::fromUtf8(actor.process->readAllStandardOutput()).trimmed();
                QVERIFY2(!id.isEmpty(), "a successful backup prints its snapshot id");
                snapshots.append({ actor.user, id, actor.tree });
                latestTree.insert(actor.user, actor.tree);
                if (!users.contains(actor.user)) {
                    users.append(actor.user);
                    ++newUsers;
                }
            }
        }
        qInfo("%d engines and %d backups killed; %d snapshots made, %d new users", kills, backupsKilled,
            static_cast<int>(snapshots.size()), newUsers);
        QVERIFY2(kills >= rounds / 2, "the engine was killed in the middle of its work often enough");

        // One engine that is not killed resumes or rolls back every job and settles what the
        // killed backups left.
        CliRunner cli(workspace);
        const CliResult settle = cli.run({ QStringLiteral("engine"), QStringLiteral("run") });
        QVERIFY2(settle.exitCode == 0 || settle.exitCode == 1, qPrintable(settle.describe()));
        auto active = JobRepo(pool.db()).list(true).value();
        QVERIFY2(active.isEmpty(), "every job ended");

        // Every backup that reported success restores byte for byte.
        for (const Snapshot& snapshot : std::as_const(snapshots)) {
            const QString target = pool.fixture().scratch(QStringLiteral("restore-") + snapshot.id);
            const CliResult restore = cli.run(
                { QStringLiteral("restore"), snapshot.user, target, QStringLiteral("--snapshot"), snapshot.id });
            QVERIFY2(restore.exitCode == 0, qPrintable(snapshot.user + u' ' + restore.describe()));
            const QStringList differences = compareTrees(snapshot.tree, target, false);
            QVERIFY2(differences.isEmpty(), qPrintable(snapshot.user + u' ' + differences.join(u'\n')));
            QVERIFY(posix::removeTree(target));
        }
        // Every user verifies deeply and lives in exactly one place.
        for (const QString& name : std::as_const(users)) {
            const CliResult verify = cli.run({ QStringLiteral("verify"), name, QStringLiteral("--deep") });
            QVERIFY2(verify.exitCode == 0, qPrintable(name + u' ' + verify.describe()));
            const UserRecord user = UserRepo(pool.db()).byName(name).value();
            for (const StorageRecord& storage : std::as_const(storages)) {
                const bool present = QFileInfo::exists(storage.rootPath + QStringLiteral("/users/") + user.uuid);
                QVERIFY2(present == (storage.id == user.storageId),
                    qPrintable(QStringLiteral("%1 on %2 (ConfigDb: %3)").arg(name, storage.name, user.storageName)));
            }
        }
        // ConfigDb is sound.
        auto integrity = pool.db().queryRow(QStringLiteral("PRAGMA integrity_check"));
        QVERIFY(integrity);
        QCOMPARE(integrity->value(0).toString(), QStringLiteral("ok"));
        auto foreignKeys = pool.db().queryRow(QStringLiteral("PRAGMA foreign_key_check"));
        QVERIFY(foreignKeys);
        QVERIFY2(foreignKeys->isEmpty(), "no row refers to a missing row");
        // The counts are true: a rescan has nothing to correct anywhere.
        for (const StorageRecord& storage : std::as_const(storages)) {
            const CliResult rescan = cli.run({ QStringLiteral("storage"), QStringLiteral("rescan"), storage.name });
            QVERIFY2(rescan.exitCode == 0 && rescan.out.contains("nothing to correct")
                    && !rescan.out.contains("belongs to no user"),
                qPrintable(rescan.describe()));
        }
    }
};

QTEST_GUILESS_MAIN(TestChaos)
#include "tst_chaos.moc"
