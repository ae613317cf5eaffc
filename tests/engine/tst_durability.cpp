// A durability audit: the system calls of a real backup and of a real migration, recorded with
// strace, checked against the rules of the design. A file is fsynced before it is renamed into
// place and its directory after; chunks are durable before the manifest that names them (those a
// killed run left in place too); the destination copy is durable before the ConfigDb switch; and
// nothing is deleted from the source before the switch commits.

#include "balance/balancer.h"
#include "clirunner.h"
#include "cliworkspace.h"
#include "configdb/jobrepo.h"
#include "enginefixture.h"
#include "storage/sha256.h"
#include "testtree.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;
using namespace pk::test;

namespace {

// One system call as strace -f -y saw it; a call another thread interrupted is joined again.
struct Call
{
    int pid = 0;
    QString name;
    QString args;
    QString result;
    int started = 0; // index of the line where it began
    int ended = 0; // ... and where it returned
    bool ok() const { return result.startsWith(u'0') || (!result.startsWith(u'-') && !result.isEmpty()); }
};

class Trace
{
public:
    bool record(const QStringList& command, const QString& file)
    {
        QProcess strace;
        // LeakSanitizer cannot run under ptrace: a sanitized build is traced without it.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
        env.insert(QStringLiteral("ASAN_OPTIONS"),
            asan.isEmpty() ? QStringLiteral("detect_leaks=0") : asan + QStringLiteral(":detect_leaks=0"));
        strace.setProcessEnvironment(env);
        strace.start(QStringLiteral("strace"),
            QStringList { QStringLiteral("-f"), QStringLiteral("-qq"), QStringLiteral("-y"), QStringLiteral("-s"),
                QStringLiteral("300"), QStringLiteral("-e"),
                QStringLiteral("trace=openat,fsync,fdatasync,syncfs,rename,renameat,renameat2,unlink,unlinkat,rmdir,"
                               "mkdir,mkdirat,write"),
                QStringLiteral("-o"), file, QStringLiteral("--") }
                + command);
        if (!strace.waitForFinished(600000) || strace.exitCode() != 0) {
            qWarning("traced command failed: %s", strace.readAllStandardError().constData());
            return false;
        }
        QFile input(file);
        if (!input.open(QIODevice::ReadOnly))
            return false;
        parse(QString::fromUtf8(input.readAll()).split(u'\n', Qt::SkipEmptyParts));
        return !m_calls.isEmpty();
    }

    const QList<Call>& calls() const { return m_calls; }

    // The paths a call names: string arguments and, with -y, the paths of descriptors.
    static QStringList paths(const Call& call)
    {
        static const QRegularExpression quoted(QStringLiteral("\"((?:[^\"\\\\]|\\\\.)*)\""));
        static const QRegularExpression descriptor(QStringLiteral("\\d+<([^>]*)>"));
        QStringList found;
        for (auto it = quoted.globalMatch(call.args); it.hasNext();)
            found.append(it.next().captured(1));
        if (call.name != QLatin1String("write")) {
            for (auto it = descriptor.globalMatch(call.args); it.hasNext();)
                found.append(it.next().captured(1));
        }
        return found;
    }
    // The path of the first descriptor argument (fsync(7</a/b>) -> /a/b).
    static QString fdPath(const Call& call)
    {
        static const QRegularExpression descriptor(QStringLiteral("^\\d+<([^>]*)>"));
        const auto match = descriptor.match(call.args);
        return match.hasMatch() ? match.captured(1) : QString();
    }
    // rename(from, to) in any of its forms, relative names resolved against -y's directory paths.
    static std::optional<QPair<QString, QString>> renamed(const Call& call)
    {
        if (!call.name.startsWith(QLatin1String("rename")))
            return std::nullopt;
        const QStringList all = paths(call);
        if (call.name == QLatin1String("rename") && all.size() >= 2)
            return QPair<QString, QString>(all.at(0), all.at(1));
        // renameat(olddirfd, "old", newdirfd, "new"): with AT_FDCWD the names are absolute here.
        static const QRegularExpression at(
            QStringLiteral("^(AT_FDCWD(?:<[^>]*>)?|\\d+<([^>]*)>), \"((?:[^\"\\\\]|\\\\.)*)\", "
                           "(AT_FDCWD(?:<[^>]*>)?|\\d+<([^>]*)>), \"((?:[^\"\\\\]|\\\\.)*)\""));
        const auto match = at.match(call.args);
        if (!match.hasMatch())
            return std::nullopt;
        auto join = [](const QString& dir, const QString& name) {
            return name.startsWith(u'/') || dir.isEmpty() ? name : dir + u'/' + name;
        };
        return QPair<QString, QString>(
            join(match.captured(2), match.captured(3)), join(match.captured(5), match.captured(6)));
    }
    static bool isSync(const Call& call)
    {
        return call.name == QLatin1String("fsync") || call.name == QLatin1String("fdatasync");
    }

private:
    void parse(const QStringList& lines)
    {
        static const QRegularExpression unfinished(QStringLiteral("^(\\d+)\\s+(\\w+)\\((.*) <unfinished \\.\\.\\.>$"));
        static const QRegularExpression resumed(QStringLiteral("^(\\d+)\\s+<\\.\\.\\. (\\w+) resumed>(.*)$"));
        static const QRegularExpression whole(QStringLiteral("^(\\d+)\\s+(\\w+)\\((.*)$"));
        QHash<int, Call> pending;
        for (int i = 0; i < lines.size(); ++i) {
            const QString& line = lines.at(i);
            if (auto m = unfinished.match(line); m.hasMatch()) {
                Call call;
                call.pid = m.captured(1).toInt();
                call.name = m.captured(2);
                call.args = m.captured(3);
                call.started = i;
                pending.insert(call.pid, call);
                continue;
            }
            Call call;
            QString rest;
            if (auto m = resumed.match(line); m.hasMatch()) {
                call = pending.take(m.captured(1).toInt());
                rest = m.captured(3);
            } else if (auto w = whole.match(line); w.hasMatch()) {
                call.pid = w.captured(1).toInt();
                call.name = w.captured(2);
                call.started = i;
                rest = w.captured(3);
            } else {
                continue; // signals, exits
            }
            // strace pads the result column: ")   = 0".
            static const QRegularExpression returned(QStringLiteral("\\)\\s+= (.*)$"));
            const auto result = returned.match(rest);
            if (!result.hasMatch())
                continue;
            call.args += rest.left(result.capturedStart());
            call.result = result.captured(1);
            call.ended = i;
            m_calls.append(call);
        }
        std::sort(m_calls.begin(), m_calls.end(), [](const Call& a, const Call& b) { return a.started < b.started; });
    }

    QList<Call> m_calls;
};

QString dirOf(const QString& path)
{
    return QFileInfo(path).path();
}

// Rule: every file renamed into `root` was fsynced (by any thread) before the rename began.
QStringList renamedWithoutSync(const Trace& trace, const QString& root)
{
    QStringList problems;
    QHash<QString, int> syncedAt; // path -> line where its fsync returned
    for (const Call& call : trace.calls()) {
        if (Trace::isSync(call) && call.ok())
            syncedAt.insert(Trace::fdPath(call), call.ended);
    }
    for (const Call& call : trace.calls()) {
        const auto rename = Trace::renamed(call);
        if (!rename || !call.ok() || !rename->second.startsWith(root))
            continue;
        // Renames of directories (compaction into the trash) carry no data of their own.
        if (rename->second.contains(QLatin1String("/.poolkeeper/trash/")))
            continue;
        const int synced = syncedAt.value(rename->first, -1);
        if (synced < 0 || synced > call.started)
            problems.append(QStringLiteral("renamed without fsync first: %1 -> %2").arg(rename->first, rename->second));
    }
    return problems;
}

// Rule: the directory of every name created in `root` before line `deadline` was fsynced after
// the name appeared and before `deadline` (nothing may rely on a name that a crash could undo).
QStringList namesNotDurableBefore(const Trace& trace, const QString& root, int deadline)
{
    QHash<QString, int> lastChange; // directory -> line where a name in it last appeared
    for (const Call& call : trace.calls()) {
        if (!call.ok() || call.started >= deadline)
            continue;
        if (const auto rename = Trace::renamed(call); rename && rename->second.startsWith(root))
            lastChange.insert(dirOf(rename->second), qMax(lastChange.value(dirOf(rename->second)), call.ended));
        if (call.name.startsWith(QLatin1String("mkdir"))) {
            const QStringList paths = Trace::paths(call);
            if (!paths.isEmpty() && paths.constLast().startsWith(root))
                lastChange.insert(
                    dirOf(paths.constLast()), qMax(lastChange.value(dirOf(paths.constLast())), call.ended));
        }
    }
    QStringList problems;
    for (auto it = lastChange.cbegin(); it != lastChange.cend(); ++it) {
        const bool synced = std::any_of(trace.calls().cbegin(), trace.calls().cend(), [&](const Call& call) {
            return Trace::isSync(call) && call.ok() && Trace::fdPath(call) == it.key() && call.started >= it.value()
                && call.ended < deadline;
        });
        if (!synced)
            problems.append(QStringLiteral("directory not fsynced after its new names and before line %1: %2")
                                .arg(deadline)
                                .arg(it.key()));
    }
    return problems;
}

int firstLine(const Trace& trace, const std::function<bool(const Call&)>& matches)
{
    for (const Call& call : trace.calls()) {
        if (matches(call))
            return call.started;
    }
    return -1;
}

} // namespace

class TestDurability : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("strace")).isEmpty())
            QSKIP("strace is not installed (installer/install-deps.sh installs it)");
    }

    void backupIsDurable()
    {
        CliWorkspace w;
        QVERIFY(w.setUp());
        const QString userDir = w.userDir(QStringLiteral("s1"), QStringLiteral("alice"));
        QVERIFY(!userDir.isEmpty());
        // New data, one chunk of which a killed run already put in place without syncing its
        // directory (a file below the minimum chunk size is one chunk: its hash names it).
        writeRandomFile(w.path(QStringLiteral("src/left-over.bin")), 100000, 31);
        writeRandomFile(w.path(QStringLiteral("src/new.bin")), 6 * MiB, 32);
        const QByteArray content = posix::readFile(w.path(QStringLiteral("src/left-over.bin")), MiB).value();
        const QString hex = Sha256::hash(content.constData(), static_cast<size_t>(content.size())).hex();
        const QString leftOverDir = userDir + QStringLiteral("/chunks/") + hex.left(2);
        QDir().mkpath(leftOverDir);
        QFile leftOver(leftOverDir + u'/' + hex);
        QVERIFY(leftOver.open(QIODevice::WriteOnly));
        leftOver.write(content);
        leftOver.close();

        QTemporaryDir traces;
        Trace trace;
        QVERIFY(trace.record({ CliRunner::binary(), QStringLiteral("--workspace"), w.ws(), QStringLiteral("backup"),
                                 QStringLiteral("alice"), w.path(QStringLiteral("src")) },
            traces.filePath(QStringLiteral("backup.trace"))));

        const QString storage = w.path(QStringLiteral("storages/s1"));
        QStringList problems = renamedWithoutSync(trace, storage);
        // The manifest's rename: everything it names is durable before it.
        const int manifest = firstLine(trace, [&](const Call& call) {
            const auto rename = Trace::renamed(call);
            return rename && rename->second.startsWith(userDir + QStringLiteral("/snapshots/"));
        });
        QVERIFY(manifest > 0);
        problems += namesNotDurableBefore(trace, userDir + QStringLiteral("/chunks"), manifest);
        const bool leftOverSynced = std::any_of(trace.calls().cbegin(), trace.calls().cend(), [&](const Call& call) {
            return Trace::isSync(call) && Trace::fdPath(call) == leftOverDir && call.ended < manifest;
        });
        if (!leftOverSynced)
            problems.append(QStringLiteral("the directory of a chunk a killed run left was not synced before the "
                                           "manifest that names it: %1")
                                .arg(leftOverDir));
        // And the manifest's own name is durable before the command reports success.
        problems += namesNotDurableBefore(
            trace, userDir + QStringLiteral("/snapshots"), static_cast<int>(trace.calls().size() * 2 + 1));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void migrationIsDurable()
    {
        CrowdedPool pool(4, MiB, qint64(5 * MiB), 16 * MiB);
        QVERIFY2(pool.isValid(), qPrintable(pool.error()));
        Balancer balancer(pool.db());
        QVERIFY(balancer.scan(pool.pool()));
        QVERIFY(balancer.plan(pool.pool()));
        auto approved = balancer.approve(pool.pool());
        QVERIFY(approved && approved->jobIds.size() == 1);
        const JobRecord job = JobRepo(pool.db()).byId(approved->jobIds.constFirst()).value();
        const QString source = pool.fixture().storage(job.fromName).rootPath + QStringLiteral("/users/") + job.userUuid;
        const QString destinationRoot = pool.fixture().storage(job.toName).rootPath;
        const QString destination = destinationRoot + QStringLiteral("/users/") + job.userUuid;

        QTemporaryDir traces;
        Trace trace;
        QVERIFY(trace.record({ CliRunner::binary(), QStringLiteral("--workspace"), pool.workspace(),
                                 QStringLiteral("migrate"), QStringLiteral("main"), QStringLiteral("--wait") },
            traces.filePath(QStringLiteral("migrate.trace"))));
        QCOMPARE(toString(JobRepo(pool.db()).byId(job.id)->state), QStringLiteral("done"));

        // The switch: the job thread's last commit (a sync of the WAL) before it logs that
        // ConfigDb now places the user on the destination.
        const int placed = firstLine(trace, [](const Call& call) {
            return call.name == QLatin1String("write") && call.args.contains(QLatin1String("ConfigDb now places"));
        });
        QVERIFY(placed > 0);
        int jobThread = 0;
        for (const Call& call : trace.calls()) {
            if (call.started == placed)
                jobThread = call.pid;
        }
        int commit = -1;
        for (const Call& call : trace.calls()) {
            if (call.pid == jobThread && Trace::isSync(call) && call.started < placed
                && Trace::fdPath(call).endsWith(QLatin1String("configdb.sqlite-wal")))
                commit = call.started;
        }
        QVERIFY2(commit > 0, "the switch's commit is found");

        QStringList problems = renamedWithoutSync(trace, destinationRoot);
        // Every manifest of the copy names only durable chunks...
        for (const Call& call : trace.calls()) {
            const auto rename = Trace::renamed(call);
            if (rename && call.ok() && rename->second.startsWith(destination + QStringLiteral("/snapshots/")))
                problems += namesNotDurableBefore(trace, destination + QStringLiteral("/chunks"), call.started);
        }
        // ...and the whole copy is durable before the switch commits.
        problems += namesNotDurableBefore(trace, destinationRoot + QStringLiteral("/users"), commit);
        // Nothing leaves the source before the switch has committed.
        for (const Call& call : trace.calls()) {
            if (call.started >= commit || !call.ok())
                continue;
            const bool removes = call.name.startsWith(QLatin1String("unlink")) || call.name == QLatin1String("rmdir")
                || call.name.startsWith(QLatin1String("rename"));
            if (!removes)
                continue;
            for (const QString& path : Trace::paths(call)) {
                if (path.startsWith(source))
                    problems.append(
                        QStringLiteral("source changed before the switch: %1(%2)").arg(call.name, call.args));
            }
        }
        // Compaction happened, after the switch.
        const int compacted = firstLine(trace, [&](const Call& call) {
            const auto rename = Trace::renamed(call);
            return rename && rename->first == source;
        });
        QVERIFY2(compacted > commit, "the source is compacted after the switch");
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestDurability)
#include "tst_durability.moc"
