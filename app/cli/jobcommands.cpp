#include "commands.h"
#include "configdb/alertrepo.h"
#include "configdb/jobrepo.h"
#include "configdb/storagerepo.h"
#include "context.h"
#include "engine/demo.h"
#include "engine/enginelock.h"
#include "enginerunner.h"
#include "master/master.h"
#include "migration/migrationjob.h"
#include "texttable.h"
#include "util/sizes.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>

namespace pk::cli {

namespace {

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

int runJobsList(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto jobs = JobRepo(**db).list(false, 1000);
    if (!jobs)
        return context.fail(jobs.error());
    if (args.has(QStringLiteral("json"))) {
        QJsonArray array;
        for (const JobRecord& job : std::as_const(*jobs)) {
            array.append(QJsonObject { { QStringLiteral("id"), job.id }, { QStringLiteral("user"), job.userName },
                { QStringLiteral("from"), job.fromName }, { QStringLiteral("to"), job.toName },
                { QStringLiteral("phase"), toString(job.phase) }, { QStringLiteral("state"), toString(job.state) },
                { QStringLiteral("bytes_done"), job.bytesDone }, { QStringLiteral("bytes_total"), job.bytesTotal },
                { QStringLiteral("error"), job.error }, { QStringLiteral("kind"), toString(job.kind) } });
        }
        context.printJson(QJsonDocument(array));
        return 0;
    }
    if (jobs->isEmpty()) {
        context.out() << "no migration jobs yet\n";
        return 0;
    }
    TextTable table(
        { QStringLiteral("JOB"), QStringLiteral("USER"), QStringLiteral("FROM"), QStringLiteral("TO"),
            QStringLiteral("STATE"), QStringLiteral("PHASE"), QStringLiteral("PROGRESS"), QStringLiteral("ERROR") },
        { true, false, false, false, false, false, true, false });
    for (const JobRecord& job : std::as_const(*jobs)) {
        table.addRow(
            { QString::number(job.id), job.userName, job.fromName, job.toName, toString(job.state), toString(job.phase),
                QStringLiteral("%1 / %2").arg(formatBytes(job.bytesDone), formatBytes(job.bytesTotal)), job.error });
    }
    table.print(context.out());
    return 0;
}

int runCancel(Context& context, const ParsedArgs& args)
{
    bool ok = false;
    const qint64 id = args.positional.at(0).toLongLong(&ok);
    if (!ok || id <= 0)
        return context.fail(
            usageError(QStringLiteral("'%1' is not a job id: give the number shown by 'poolkeeper-cli jobs'")
                           .arg(args.positional.at(0))));
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    JobRepo jobs(**db);
    auto job = jobs.byId(id);
    if (!job)
        return context.fail(job.error());
    if (!isActive(job->state))
        return context.fail(failed(QStringLiteral("job %1 is already %2").arg(id).arg(toString(job->state))));
    const QString pastTheSwitch
        = QStringLiteral("job %1 is past the switch: user '%2' already lives on '%3'; the job finishes")
              .arg(id)
              .arg(job->userName, job->toName);
    if (job->isSwitched())
        return context.fail(failed(pastTheSwitch));
    auto requested = jobs.requestCancel(id);
    if (!requested)
        return context.fail(requested.error());
    if (!*requested) // it reached the switch or ended meanwhile
        return context.fail(failed(pastTheSwitch));
    // A running engine notices within a second; without one, roll the job back here and now.
    auto lock = EngineLock::acquire(context.workspaceDir(), (*db)->location());
    if (!lock) {
        const EngineHolder holder = EngineLock::holder(context.workspaceDir(), **db);
        if (holder.isNone()) // not held by an engine: the lock itself failed
            return context.fail(lock.error());
        context.out() << "job " << id << " is being cancelled by the engine of " << holder.describe() << '\n';
        return 0;
    }
    Master master(**db);
    MigrationOptions options;
    options.phaseHook = testPhaseHook();
    MigrationJob migration(master.db(), *job, options);
    const JobOutcome outcome = migration.run();
    for (qint64 storageId : { job->fromStorageId, job->toStorageId }) {
        if (auto storage = StorageRepo(**db).byId(storageId); storage) {
            if (auto root = master.openStorage(*storage); root) {
                // The copy is out of the user's directory already; only its space is not free yet.
                if (auto emptied = root->emptyTrash(); !emptied)
                    context.warn(emptied.message());
            }
        }
    }
    if (outcome != JobOutcome::Cancelled)
        return context.fail(failed(QStringLiteral("job %1 could not be cancelled: %2").arg(id).arg(migration.error())));
    context.out() << "cancelled job " << id << "; user '" << job->userName << "' stays on '" << job->fromName << "'\n";
    return 0;
}

int runAlerts(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto alerts = AlertRepo(**db).list(false, 1000);
    if (!alerts)
        return context.fail(alerts.error());
    if (args.has(QStringLiteral("json"))) {
        QJsonArray array;
        for (const AlertRecord& alert : std::as_const(*alerts)) {
            array.append(
                QJsonObject { { QStringLiteral("id"), alert.id }, { QStringLiteral("time"), isoTime(alert.createdMs) },
                    { QStringLiteral("storage"), alert.storageName }, { QStringLiteral("kind"), alert.kind },
                    { QStringLiteral("message"), alert.message }, { QStringLiteral("active"), alert.active },
                    { QStringLiteral("acknowledged"), alert.acknowledgedMs > 0 } });
        }
        context.printJson(QJsonDocument(array));
        return 0;
    }
    if (alerts->isEmpty()) {
        context.out() << "no alerts\n";
        return 0;
    }
    TextTable table(
        { QStringLiteral("TIME (UTC)"), QStringLiteral("STORAGE"), QStringLiteral("KIND"), QStringLiteral("MESSAGE") });
    for (const AlertRecord& alert : std::as_const(*alerts))
        table.addRow({ isoTime(alert.createdMs), alert.storageName, alert.kind, alert.message });
    table.print(context.out());
    return 0;
}

int runDemo(Context& context, const ParsedArgs& args)
{
    const QString directory = args.positional.isEmpty()
        ? DemoWorkspace::defaultDirectory()
        : QDir::cleanPath(QDir::current().absoluteFilePath(args.positional.at(0)));
    if (DemoWorkspace::exists(directory)) {
        context.out() << "a demo workspace already exists at '" << directory << "'; nothing changed\n";
        return 0;
    }
    const Status status = DemoWorkspace::create(directory, [&](const QString& line) { context.progress(line); });
    context.endProgress();
    if (!status)
        return context.fail(status);
    context.out() << "created the demo workspace at '" << directory << "': pool 'demo', storage 'store-a' above 80 %\n"
                  << "try: poolkeeper-cli --workspace '" << directory << "' balance demo --wait\n";
    return 0;
}

} // namespace

QList<CommandSpec> jobCommands()
{
    const OptionSpec json { QStringLiteral("json"), {}, QStringLiteral("print JSON instead of a table") };
    return {
        { { QStringLiteral("jobs") }, {}, 0, 0, QStringLiteral("list migration jobs with phase and progress"), {},
            { json }, runJobsList },
        { { QStringLiteral("cancel") }, QStringLiteral("JOB"), 1, 1,
            QStringLiteral("cancel a migration job before its switch"),
            QStringLiteral("The copy on the destination is removed and the user stays where it is. A job past the "
                           "switch finishes."),
            {}, runCancel },
        { { QStringLiteral("alerts") }, {}, 0, 0,
            QStringLiteral("list alerts: Low Free Space Available and failed migrations"), {}, { json }, runAlerts },
        { { QStringLiteral("demo") }, QStringLiteral("[DIR]"), 0, 1,
            QStringLiteral("create a demo workspace with an unbalanced pool"),
            QStringLiteral(
                "DIR is the demo's workspace, its storages inside it (default: demo/ in the user's data directory).\n"
                "One pool, four storages, about twenty users, one storage above 80 %. Running it again changes "
                "nothing."),
            {}, runDemo },
    };
}

} // namespace pk::cli
