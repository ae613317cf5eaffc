#include "commands.h"
#include "configdb/userrepo.h"
#include "context.h"
#include "master/master.h"
#include "texttable.h"
#include "util/sizes.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>

namespace pk::cli {

namespace {

QString rate(qint64 bytes, qint64 ms)
{
    return ms > 0 ? formatBytes(bytes * 1000 / ms) + QStringLiteral("/s") : QString();
}

int runBackup(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    QElapsedTimer timer;
    timer.start();
    auto outcome = Master(**db).backup(
        args.positional.at(0), args.positional.at(1), args.value(QStringLiteral("pool")),
        [&](const BackupProgress& p) {
            const int percent = p.bytesTotal > 0 ? static_cast<int>(100 * p.bytesRead / p.bytesTotal) : 100;
            context.progress(QStringLiteral("backing up %1 %  %2 of %3  %4 files of %5  %6")
                                 .arg(percent)
                                 .arg(formatBytes(p.bytesRead), formatBytes(p.bytesTotal))
                                 .arg(p.filesDone)
                                 .arg(p.filesTotal)
                                 .arg(rate(p.bytesRead, timer.elapsed())));
        },
        Context::stopFlag());
    if (!outcome)
        return context.fail(outcome.error());
    context.endProgress();
    for (const QString& warning : std::as_const(outcome->result.warnings))
        context.warn(warning);
    const BackupResult& r = outcome->result;
    if (context.stderrIsTerminal()) {
        context.err() << "backed up " << r.files << " files (" << formatBytes(r.logicalBytes) << ") of user '"
                      << args.positional.at(0) << "' to storage '" << outcome->storageName
                      << "': " << formatBytes(r.addedBytes) << " new, " << r.chunksReused << " chunks reused, "
                      << rate(r.logicalBytes, timer.elapsed()) << Qt::endl;
    }
    context.out() << r.snapshotId << '\n';
    return 0;
}

int runRestore(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    QElapsedTimer timer;
    timer.start();
    auto result = Master(**db).restore(
        args.positional.at(0), args.positional.at(1), args.value(QStringLiteral("snapshot")),
        RestoreOptions { args.has(QStringLiteral("force")), args.has(QStringLiteral("numeric-owner")) },
        [&](const RestoreProgress& p) {
            const int percent = p.bytesTotal > 0 ? static_cast<int>(100 * p.bytesDone / p.bytesTotal) : 100;
            context.progress(
                QStringLiteral("restoring %1 %  %2 of %3  %4")
                    .arg(percent)
                    .arg(formatBytes(p.bytesDone), formatBytes(p.bytesTotal), rate(p.bytesDone, timer.elapsed())));
        },
        Context::stopFlag());
    if (!result)
        return context.fail(result.error());
    context.endProgress();
    for (const QString& warning : std::as_const(result->warnings))
        context.warn(warning);
    context.out() << "restored snapshot " << result->snapshotId << " of user '" << args.positional.at(0) << "' into '"
                  << args.positional.at(1) << "': " << result->files << " files, " << result->directories
                  << " directories, " << result->symlinks << " symlinks, " << formatBytes(result->bytes);
    if (result->hardLinks > 0)
        context.out() << ", " << result->hardLinks << " hard links";
    if (result->specialFiles > 0)
        context.out() << ", " << result->specialFiles << " FIFOs, sockets and devices";
    context.out() << '\n';
    return 0;
}

int runUsers(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto users = UserRepo(**db).list();
    if (!users)
        return context.fail(users.error());
    if (args.has(QStringLiteral("json"))) {
        QJsonArray array;
        for (const UserRecord& user : std::as_const(*users)) {
            array.append(QJsonObject { { QStringLiteral("user"), user.name }, { QStringLiteral("pool"), user.poolName },
                { QStringLiteral("storage"), user.storageName }, { QStringLiteral("bytes"), user.bytes },
                { QStringLiteral("snapshots"), user.snapshotCount } });
        }
        context.printJson(QJsonDocument(array));
        return 0;
    }
    TextTable table({ QStringLiteral("USER"), QStringLiteral("POOL"), QStringLiteral("STORAGE"),
                        QStringLiteral("BYTES"), QStringLiteral("SNAPSHOTS") },
        { false, false, false, true, true });
    for (const UserRecord& user : std::as_const(*users))
        table.addRow({ user.name, user.poolName, user.storageName, formatBytes(user.bytes),
            QString::number(user.snapshotCount) });
    table.print(context.out());
    return 0;
}

int runVerify(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    const bool deep = args.has(QStringLiteral("deep"));
    auto report = Master(**db).verify(args.positional.at(0), deep, Context::stopFlag());
    if (!report)
        return context.fail(report.error());
    for (const QString& problem : std::as_const(report->problems))
        context.out() << "problem: " << problem << '\n';
    const QString checked = QStringLiteral("%1 snapshots, %2 chunks (%3)%4")
                                .arg(report->snapshots)
                                .arg(report->chunks)
                                .arg(formatBytes(report->bytes),
                                    deep ? QStringLiteral(", hashes checked") : QStringLiteral(", sizes checked"));
    if (report->consistent()) {
        context.out() << "user '" << args.positional.at(0) << "' is consistent: " << checked << '\n';
        return 0;
    }
    context.out() << "user '" << args.positional.at(0) << "' is inconsistent: " << report->problems.size()
                  << " problems; " << checked << '\n';
    context.err() << "poolkeeper-cli: user '" << args.positional.at(0) << "' is inconsistent ("
                  << report->problems.size() << " problems): its data must be repaired from a backup before it can move"
                  << Qt::endl;
    return static_cast<int>(ErrorCode::Failed);
}

} // namespace

QList<CommandSpec> dataCommands()
{
    return {
        { { QStringLiteral("backup") }, QStringLiteral("USER DIR"), 2, 2,
            QStringLiteral("back up a directory as a new snapshot of a user"),
            QStringLiteral(
                "The user's storage is kept; a new user goes to the online storage of the pool with the lowest\n"
                "utilisation that is not marked for migration. Prints the snapshot id. Files that cannot be read\n"
                "are reported and left out; the rest is backed up."),
            { { QStringLiteral("pool"), QStringLiteral("POOL"),
                QStringLiteral("the pool of a new user (needed when there are several)") } },
            runBackup },
        { { QStringLiteral("restore") }, QStringLiteral("USER DIR"), 2, 2,
            QStringLiteral("restore a snapshot of a user into a directory"),
            QStringLiteral(
                "Every chunk's hash is checked. DIR must be empty or missing unless --force is given.\n"
                "Modes, times, hard links, holes of sparse files, extended attributes and ACLs come back as they\n"
                "were. Owners and groups are restored only when running as root (by name when the name exists\n"
                "on this machine, else by id); otherwise every entry silently belongs to the restoring user, and\n"
                "setuid/setgid bits are kept only where the owner they belong to is kept. Devices need root.\n"
                "What cannot be kept (an attribute the target filesystem refuses...) is warned about, one line each."),
            { { QStringLiteral("snapshot"), QStringLiteral("ID"),
                  QStringLiteral("the snapshot to restore (default: the newest)") },
                { QStringLiteral("force"), {},
                    QStringLiteral("restore into a non-empty directory, replacing entries of the same name") },
                { QStringLiteral("numeric-owner"), {},
                    QStringLiteral("as root, give owners and groups by their recorded ids, never by name") } },
            runRestore },
        { { QStringLiteral("users") }, {}, 0, 0, QStringLiteral("list users, where they live and their size"), {},
            { { QStringLiteral("json"), {}, QStringLiteral("print JSON instead of a table") } }, runUsers },
        { { QStringLiteral("verify") }, QStringLiteral("USER"), 1, 1,
            QStringLiteral("check a user's snapshots and chunks"),
            QStringLiteral("Checks that every manifest parses and every chunk it refers to exists with the right size; "
                           "--deep also\n"
                           "checks every chunk's SHA-256. Lists each problem; exits 1 when the user is inconsistent."),
            { { QStringLiteral("deep"), {}, QStringLiteral("also hash every chunk") } }, runVerify },
    };
}

} // namespace pk::cli
