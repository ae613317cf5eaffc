#include "balance/balancer.h"
#include "commands.h"
#include "configdb/jobrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/requestrepo.h"
#include "configdb/scanrepo.h"
#include "context.h"
#include "engine/enginelock.h"
#include "enginerunner.h"
#include "master/master.h"
#include "texttable.h"
#include "util/sizes.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QThread>

#include <cmath>
#include <functional>

namespace pk::cli {

namespace {

double round2(double value)
{
    return std::round(value * 100.0) / 100.0;
}

// The pool named by the first argument, with its ConfigDb.
struct PoolContext
{
    ConfigDb* db = nullptr;
    PoolRecord pool;
};

Result<PoolContext> openPool(Context& context, const QString& name)
{
    auto db = context.db();
    if (!db)
        return db.error();
    auto pool = PoolRepo(**db).byName(name);
    if (!pool)
        return pool.error();
    return PoolContext { *db, *pool };
}

Result<qint64> rateOption(const ParsedArgs& args)
{
    if (!args.has(QStringLiteral("max-rate")))
        return qint64(0);
    return parseRate(args.value(QStringLiteral("max-rate")));
}

void printPlan(Context& context, const PlanRecord& plan, bool json)
{
    if (json) {
        QJsonArray moves;
        for (const PlannedMove& move : plan.moves) {
            moves.append(
                QJsonObject { { QStringLiteral("user"), move.userName }, { QStringLiteral("from"), move.fromName },
                    { QStringLiteral("to"), move.toName }, { QStringLiteral("bytes"), move.bytes } });
        }
        QJsonArray projected;
        for (const ProjectedUsage& usage : plan.projected) {
            projected.append(QJsonObject { { QStringLiteral("storage"), usage.storageName },
                { QStringLiteral("used_percent_before"), round2(usage.percentBefore()) },
                { QStringLiteral("used_percent_after"), round2(usage.percentAfter()) } });
        }
        QJsonArray notes;
        for (const QString& note : plan.summary.split(u'\n', Qt::SkipEmptyParts))
            notes.append(note);
        context.printJson(
            QJsonDocument(QJsonObject { { QStringLiteral("plan_id"), plan.id }, { QStringLiteral("moves"), moves },
                { QStringLiteral("projected"), projected }, { QStringLiteral("notes"), notes } }));
        return;
    }
    if (plan.moves.isEmpty()) {
        context.out() << "no moves planned for pool '" << plan.poolName << "'\n";
    } else {
        context.out() << "plan " << plan.id << " for pool '" << plan.poolName << "':\n";
        TextTable moves(
            { QStringLiteral("  USER"), QStringLiteral("FROM"), QStringLiteral("TO"), QStringLiteral("BYTES") },
            { false, false, false, true });
        for (const PlannedMove& move : plan.moves)
            moves.addRow({ QStringLiteral("  ") + move.userName, move.fromName, move.toName, formatBytes(move.bytes) });
        moves.print(context.out());
    }
    context.out() << "projected:\n";
    TextTable projected(
        { QStringLiteral("  STORAGE"), QStringLiteral("BEFORE %"), QStringLiteral("AFTER %") }, { false, true, true });
    for (const ProjectedUsage& usage : plan.projected)
        projected.addRow({ QStringLiteral("  ") + usage.storageName, QString::number(usage.percentBefore(), 'f', 1),
            QString::number(usage.percentAfter(), 'f', 1) });
    projected.print(context.out());
    for (const QString& note : plan.summary.split(u'\n', Qt::SkipEmptyParts))
        context.out() << "note: " << note << '\n';
}

void showScanProgress(Context& context, int done, int total, const QString& user)
{
    context.progress(QStringLiteral("scanning %1 of %2 users: %3").arg(done + 1).arg(total).arg(user));
}

// On a shared ConfigDb while another process runs the engine, work that reads the storages is
// asked of that engine (this machine may not reach them) and followed until it ends: the
// answer, or nullopt when nobody took it (the command then runs here, as without an engine).
Result<std::optional<RequestRecord>> askActiveEngine(
    Context& context, ConfigDb& db, RequestKind kind, const QString& subject)
{
    if (!db.isPostgres())
        return std::optional<RequestRecord>();
    const EngineHolder holder = EngineLock::holder(context.workspaceDir(), db);
    if (holder.isNone())
        return std::optional<RequestRecord>();
    RequestRepo requests(db);
    auto id = requests.submit(kind, subject,
        QStringLiteral("process %1 on %2").arg(QCoreApplication::applicationPid()).arg(EngineLock::localHost()));
    if (!id)
        return id.error();
    context.progress(
        QStringLiteral("asked the engine (%1) to %2 '%3'").arg(holder.describe(), toString(kind), subject));
    qint64 noEngineSinceMs = 0;
    for (;;) {
        auto request = requests.byId(*id);
        if (!request)
            return request.error();
        if (request->isFinished()) {
            context.endProgress();
            if (request->state == RequestState::Failed)
                return failed(request->detail);
            return std::optional<RequestRecord>(*request);
        }
        if (request->state == RequestState::Running && request->progressTotal > 0)
            showScanProgress(context, static_cast<int>(request->progressDone), static_cast<int>(request->progressTotal),
                request->progressText);
        const bool stopping = Context::stopFlag()->load();
        if (request->state == RequestState::Pending) {
            // The engine went away before taking it (a detached engine ends when idle).
            const bool engineRuns = !EngineLock::holder(context.workspaceDir(), db).isNone();
            noEngineSinceMs = engineRuns ? 0 : (noEngineSinceMs > 0 ? noEngineSinceMs : nowMs());
            if (stopping || (noEngineSinceMs > 0 && nowMs() - noEngineSinceMs > 2000)) {
                auto withdrawn = requests.withdraw(
                    *id, stopping ? QStringLiteral("interrupted") : QStringLiteral("no engine took the request"));
                if (!withdrawn)
                    return withdrawn.error();
                if (*withdrawn) {
                    context.endProgress();
                    if (stopping)
                        return failed(QStringLiteral("interrupted before the engine began"));
                    return std::optional<RequestRecord>();
                }
            }
        } else if (stopping) {
            context.endProgress();
            return failed(QStringLiteral("stopped following request %1; the engine (%2) carries it out")
                              .arg(*id)
                              .arg(holder.describe()));
        }
        // Following a row: a few looks a second are plenty for a command line.
        QThread::msleep(200);
    }
}

int runScan(Context& context, const ParsedArgs& args)
{
    auto pool = openPool(context, args.positional.at(0));
    if (!pool)
        return context.fail(pool.error());
    auto remote = askActiveEngine(context, *pool->db, RequestKind::Scan, pool->pool.name);
    if (!remote)
        return context.fail(remote.error());
    Master master(*pool->db);
    auto report = remote->has_value()
        ? ScanRepo(*pool->db).latest(pool->pool.id)
        : Balancer(master.db()).scan(pool->pool, Context::stopFlag(), [&](const ScanProgress& p) {
              showScanProgress(context, p.usersDone, p.usersTotal, p.currentUser);
          });
    context.endProgress();
    if (!report)
        return context.fail(report.error());
    if (args.has(QStringLiteral("json"))) {
        QJsonArray array;
        for (const ScanEntry& entry : std::as_const(report->entries)) {
            array.append(QJsonObject { { QStringLiteral("user"), entry.userName },
                { QStringLiteral("storage"), entry.storageName }, { QStringLiteral("bytes"), entry.bytes },
                { QStringLiteral("snapshots"), entry.snapshots }, { QStringLiteral("candidate"), entry.candidate },
                { QStringLiteral("reason"), entry.reason } });
        }
        context.printJson(QJsonDocument(array));
        return 0;
    }
    if (report->entries.isEmpty()) {
        context.out() << "pool '" << pool->pool.name << "' has no storage marked for migration: nothing to scan\n";
        return 0;
    }
    TextTable table({ QStringLiteral("USER"), QStringLiteral("STORAGE"), QStringLiteral("BYTES"),
                        QStringLiteral("SNAPSHOTS"), QStringLiteral("MOVABLE"), QStringLiteral("REASON") },
        { false, false, true, true, false, false });
    for (const ScanEntry& entry : std::as_const(report->entries))
        table.addRow({ entry.userName, entry.storageName, formatBytes(entry.bytes), QString::number(entry.snapshots),
            entry.candidate ? QStringLiteral("yes") : QStringLiteral("no"), entry.reason });
    table.print(context.out());
    return 0;
}

int runPlan(Context& context, const ParsedArgs& args)
{
    auto pool = openPool(context, args.positional.at(0));
    if (!pool)
        return context.fail(pool.error());
    Master master(*pool->db);
    auto plan = Balancer(master.db()).plan(pool->pool, Context::stopFlag());
    if (!plan)
        return context.fail(plan.error());
    printPlan(context, *plan, args.has(QStringLiteral("json")));
    return 0;
}

int runApprove(Context& context, const ParsedArgs& args)
{
    const bool all = args.has(QStringLiteral("all"));
    const QStringList users = args.values(QStringLiteral("user"));
    if (all == !users.isEmpty())
        return context.fail(usageError(QStringLiteral("give either --all or one or more --user U")));
    auto pool = openPool(context, args.positional.at(0));
    if (!pool)
        return context.fail(pool.error());
    Master master(*pool->db);
    auto approved = Balancer(master.db()).approve(pool->pool, users);
    if (!approved)
        return context.fail(approved.error());
    for (const QString& note : std::as_const(approved->notes))
        context.warn(note);
    context.out() << "approved plan " << approved->planId << ": " << approved->jobIds.size() << " jobs";
    for (qint64 id : std::as_const(approved->jobIds))
        context.out() << ' ' << id;
    context.out() << "\nrun them with 'poolkeeper-cli migrate " << pool->pool.name << "'\n";
    return 0;
}

int runReject(Context& context, const ParsedArgs& args)
{
    auto pool = openPool(context, args.positional.at(0));
    if (!pool)
        return context.fail(pool.error());
    Master master(*pool->db);
    if (auto status = Balancer(master.db()).reject(pool->pool); !status)
        return context.fail(status);
    context.out() << "rejected the plan of pool '" << pool->pool.name << "'\n";
    return 0;
}

QList<qint64> activeJobIds(ConfigDb& db, qint64 poolId)
{
    QList<qint64> ids;
    for (const JobRecord& job : JobRepo(db).activeForPool(poolId).valueOr({}))
        ids.append(job.id);
    return ids;
}

// The end of migrate and balance: run the pool's active jobs here or in the background.
int runJobs(Context& context, const PoolContext& pool, const ParsedArgs& args, qint64 rate)
{
    const QList<qint64> ids = activeJobIds(*pool.db, pool.pool.id);
    if (ids.isEmpty()) {
        context.out() << "no approved moves are waiting in pool '" << pool.pool.name << "'\n";
        return 0;
    }
    if (!args.has(QStringLiteral("wait")))
        return startDetachedEngine(context, rate);
    EngineRun run;
    run.jobIds = ids;
    run.maxRate = rate;
    const int code = runEngine(context, run);
    if (code == 0)
        context.out() << ids.size() << " moves done in pool '" << pool.pool.name << "'\n";
    return code;
}

int runMigrate(Context& context, const ParsedArgs& args)
{
    auto rate = rateOption(args);
    if (!rate)
        return context.fail(rate.error());
    auto pool = openPool(context, args.positional.at(0));
    if (!pool)
        return context.fail(pool.error());
    return runJobs(context, *pool, args, *rate);
}

int runBalance(Context& context, const ParsedArgs& args)
{
    auto rate = rateOption(args);
    if (!rate)
        return context.fail(rate.error());
    auto pool = openPool(context, args.positional.at(0));
    if (!pool)
        return context.fail(pool.error());
    Master master(*pool->db);
    Balancer balancer(master.db());
    auto scan = balancer.scan(pool->pool, Context::stopFlag(), [&](const ScanProgress& p) {
        context.progress(
            QStringLiteral("scanning %1 of %2 users: %3").arg(p.usersDone + 1).arg(p.usersTotal).arg(p.currentUser));
    });
    context.endProgress();
    if (!scan)
        return context.fail(scan.error());
    auto plan = balancer.plan(pool->pool, Context::stopFlag());
    if (!plan)
        return context.fail(plan.error());
    for (const QString& note : plan->summary.split(u'\n', Qt::SkipEmptyParts))
        context.out() << "note: " << note << '\n';
    if (plan->moves.isEmpty()) {
        if (auto rejected = balancer.reject(pool->pool); !rejected)
            return context.fail(rejected.error());
        if (activeJobIds(*pool->db, pool->pool.id).isEmpty()) {
            context.out() << "nothing to move in pool '" << pool->pool.name << "'\n";
            return 0;
        }
    } else {
        auto approved = balancer.approve(pool->pool);
        if (!approved)
            return context.fail(approved.error());
        for (const QString& note : std::as_const(approved->notes))
            context.warn(note);
        qint64 total = 0;
        for (const PlannedMove& move : std::as_const(plan->moves))
            total += move.bytes;
        context.out() << "approved " << approved->jobIds.size() << " moves (" << formatBytes(total) << ")\n";
    }
    return runJobs(context, *pool, args, *rate);
}

int runDrain(Context& context, const ParsedArgs& args)
{
    auto db = context.db();
    if (!db)
        return context.fail(db.error());
    auto remote = askActiveEngine(context, **db, RequestKind::Drain, args.positional.at(0));
    if (!remote)
        return context.fail(remote.error());
    if (remote->has_value()) {
        const RequestRecord& request = **remote;
        for (const QString& note : request.detail.split(QStringLiteral("; "), Qt::SkipEmptyParts))
            context.out() << "note: " << note << '\n';
        context.out() << "draining '" << request.subject << "': " << request.resultCount
                      << " moves approved; the engine (" << EngineLock::holder(context.workspaceDir(), **db).describe()
                      << ") runs them\n";
        return 0;
    }
    Master master(**db);
    auto approved = Balancer(master.db()).drain(args.positional.at(0), Context::stopFlag());
    if (!approved)
        return context.fail(approved.error());
    for (const QString& note : std::as_const(approved->notes))
        context.out() << "note: " << note << '\n';
    context.out() << "draining '" << args.positional.at(0) << "': " << approved->jobIds.size() << " moves approved\n";
    if (approved->jobIds.isEmpty() && approved->arrivals == 0)
        return 0;
    if (!args.has(QStringLiteral("wait")))
        return startDetachedEngine(context, 0);
    // Until no job is left: users whose first backup lands on the storage as the drain begins
    // are moved too, once they arrive.
    return runEngine(context, EngineRun {});
}

// The engine commands: --max-rate checked and the workspace opened before the engine starts.
int withEngineRate(Context& context, const ParsedArgs& args, const std::function<int(qint64)>& run)
{
    auto rate = rateOption(args);
    if (!rate)
        return context.fail(rate.error());
    if (auto db = context.db(); !db)
        return context.fail(db.error());
    return run(*rate);
}

int runEngineCommand(Context& context, const ParsedArgs& args)
{
    return withEngineRate(context, args, [&](qint64 rate) {
        EngineRun run;
        run.maxRate = rate;
        run.quiet = true;
        return runEngine(context, run);
    });
}

int runEngineServiceCommand(Context& context, const ParsedArgs& args)
{
    return withEngineRate(context, args, [&](qint64 rate) { return runEngineService(context, rate); });
}

} // namespace

QList<CommandSpec> balanceCommands()
{
    const OptionSpec json { QStringLiteral("json"), {}, QStringLiteral("print JSON instead of a table") };
    const OptionSpec wait { QStringLiteral("wait"), {},
        QStringLiteral("run the jobs in this process, show progress, exit 0 when all are done, 1 when any failed") };
    const OptionSpec rate { QStringLiteral("max-rate"), QStringLiteral("RATE"),
        QStringLiteral("bytes per second for all moves: 50M, 1G or plain bytes") };
    return {
        { { QStringLiteral("scan") }, QStringLiteral("POOL"), 1, 1,
            QStringLiteral("check the users of marked storages and say which may move"),
            QStringLiteral(
                "Marks a storage at or above the high watermark while another is at or below the low one, then checks\n"
                "every user on marked and draining storages deeply and tells whether it can move, and why not."),
            { json }, runScan },
        { { QStringLiteral("plan") }, QStringLiteral("POOL"), 1, 1, QStringLiteral("plan which users move where"),
            QStringLiteral(
                "Uses the latest scan (scanning first when there is none). The plan brings every marked storage below "
                "the\n"
                "high watermark, aiming at the pool's mean, without taking any destination past the low watermark."),
            { json }, runPlan },
        { { QStringLiteral("approve") }, QStringLiteral("POOL"), 1, 1,
            QStringLiteral("approve the pool's plan, all of it or some users"), {},
            { { QStringLiteral("all"), {}, QStringLiteral("approve every move") },
                { QStringLiteral("user"), QStringLiteral("U"),
                    QStringLiteral("approve the move of this user (repeatable)"), true } },
            runApprove },
        { { QStringLiteral("reject") }, QStringLiteral("POOL"), 1, 1, QStringLiteral("reject the pool's plan"), {}, {},
            runReject },
        { { QStringLiteral("migrate") }, QStringLiteral("POOL"), 1, 1,
            QStringLiteral("run the approved moves of a pool"),
            QStringLiteral(
                "Without --wait a background engine runs the jobs and this command returns at once; 'poolkeeper-cli "
                "jobs'\n"
                "shows progress. Ctrl-C during --wait stops cleanly; the jobs resume at the next run (exit code 130)."),
            { wait, rate }, runMigrate },
        { { QStringLiteral("balance") }, QStringLiteral("POOL"), 1, 1,
            QStringLiteral("detect, scan, plan, approve and migrate in one go"), {}, { wait, rate }, runBalance },
        { { QStringLiteral("storage"), QStringLiteral("drain") }, QStringLiteral("NAME"), 1, 1,
            QStringLiteral("move every user off a storage (decommission)"),
            QStringLiteral("The storage takes no new users from now on; its users move to the other storages of the "
                           "pool, which may\n"
                           "fill up to just below the high watermark. On a shared ConfigDb whose engine runs in "
                           "another process, that\n"
                           "engine is asked to do it (and runs the moves; --wait does not wait for them then)."),
            { wait }, runDrain },
        { { QStringLiteral("engine") }, {}, 0, 0, QStringLiteral("run the engine as a service until stopped"),
            QStringLiteral(
                "Runs in the foreground until SIGTERM or SIGINT (exit 0 after stopping its jobs at a safe point): "
                "marks full\n"
                "storages, scans and plans automatic pools, runs approved jobs as they appear, resumes interrupted "
                "ones and samples\n"
                "capacity, logging to stderr. One engine runs the jobs of a ConfigDb; another one started for the "
                "same ConfigDb\n"
                "waits as a standby and takes over within seconds when the active one dies (on PostgreSQL also when "
                "its machine\n"
                "is cut off or it hangs)."),
            { rate }, runEngineServiceCommand },
        { { QStringLiteral("engine"), QStringLiteral("run") }, {}, 0, 0,
            QStringLiteral("run the engine until no job is left (used by migrate)"), {}, { rate }, runEngineCommand,
            true },
    };
}

} // namespace pk::cli
