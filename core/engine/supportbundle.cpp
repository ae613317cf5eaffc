#include "supportbundle.h"

#include "archive/archivewriter.h"
#include "configdb/alertrepo.h"
#include "configdb/configdbcopier.h"
#include "configdb/jobrepo.h"
#include "configdb/planrepo.h"
#include "configdb/poolrepo.h"
#include "configdb/scanrepo.h"
#include "configdb/storagerepo.h"
#include "logs/migrationlog.h"
#include "master/master.h"
#include "util/posixio.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>
#include <QTemporaryDir>

#include <archive.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

namespace pk {

namespace {

QByteArray json(const QJsonValue& value)
{
    return value.isArray() ? QJsonDocument(value.toArray()).toJson() : QJsonDocument(value.toObject()).toJson();
}

QJsonObject planJson(const PlanRecord& plan)
{
    QJsonArray moves;
    for (const PlannedMove& move : plan.moves)
        moves.append(QJsonObject { { QStringLiteral("user"), move.userName }, { QStringLiteral("from"), move.fromName },
            { QStringLiteral("to"), move.toName }, { QStringLiteral("bytes"), move.bytes },
            { QStringLiteral("approved"), move.approved } });
    QJsonArray projected;
    for (const ProjectedUsage& usage : plan.projected)
        projected.append(QJsonObject { { QStringLiteral("storage"), usage.storageName },
            { QStringLiteral("used_percent_before"), usage.percentBefore() },
            { QStringLiteral("used_percent_after"), usage.percentAfter() } });
    return QJsonObject { { QStringLiteral("id"), plan.id }, { QStringLiteral("kind"), toString(plan.kind) },
        { QStringLiteral("state"), toString(plan.state) },
        { QStringLiteral("created"),
            QDateTime::fromMSecsSinceEpoch(plan.createdMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("summary"), plan.summary }, { QStringLiteral("moves"), moves },
        { QStringLiteral("projected"), projected } };
}

} // namespace

Result<BundleResult> SupportBundle::write(
    Master& master, const QString& outPath, const std::function<void(const QString&)>& progress)
{
    auto report = [&](const QString& line) {
        if (progress)
            progress(line);
    };
    const QFileInfo out(outPath);
    if (out.exists())
        return failed(QStringLiteral("'%1' already exists: give a new file name for the bundle").arg(outPath));
    if (!QFileInfo(out.absolutePath()).isDir())
        return notFound(
            QStringLiteral("directory '%1' does not exist: create it or give another path").arg(out.absolutePath()));
    QTemporaryDir scratch(out.absolutePath() + QStringLiteral("/.poolkeeper-bundle-XXXXXX"));
    if (!scratch.isValid())
        return failed(QStringLiteral("cannot write to '%1': check its permissions").arg(out.absolutePath()));

    BundleResult result;
    ArchiveWriter archive;
    if (auto status = archive.open(outPath); !status)
        return status.error();
    const QString prefix = QStringLiteral("poolkeeper-bundle-")
        + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")) + u'/';
    auto addData = [&](const QString& name, const QByteArray& data) -> Status {
        result.entries.append(prefix + name);
        return archive.addData(prefix + name, data);
    };
    auto addFile = [&](const QString& name, const QString& path) -> Status {
        result.entries.append(prefix + name);
        return archive.addFile(prefix + name, path);
    };

    // ConfigDb, consistent even while an engine writes to it.
    report(QStringLiteral("copying ConfigDb"));
    const QString dbCopy = scratch.filePath(QStringLiteral("configdb.sqlite"));
    if (master.db().isPostgres()) {
        // A shared ConfigDb travels as an SQLite file of the same schema (and never with its URL's password).
        auto copy = ConfigDb::open(dbCopy, ConfigDb::OpenMode::Create);
        if (!copy)
            return copy.error();
        if (auto copied = ConfigDbCopier::copy(master.db(), **copy); !copied)
            return copied.error();
    } else if (auto status = master.db().backupTo(dbCopy); !status) {
        return status.error();
    }
    if (auto status = addFile(QStringLiteral("configdb.sqlite"), dbCopy); !status)
        return status.error();

    ConfigDb& db = master.db();
    QJsonObject versions { { QStringLiteral("poolkeeper"), QStringLiteral(POOLKEEPER_VERSION) },
        { QStringLiteral("configdb_schema"), db.schemaVersion() },
        { QStringLiteral("qt"), QString::fromLatin1(qVersion()) },
        { QStringLiteral("sqlite"), QString::fromLatin1(sqlite3_libversion()) },
        { QStringLiteral("openssl"), QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION)) },
        { QStringLiteral("libarchive"), QString::fromLatin1(archive_version_string()) },
        { QStringLiteral("os"), QSysInfo::prettyProductName() },
        { QStringLiteral("kernel"), QSysInfo::kernelVersion() },
        { QStringLiteral("created"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) } };
    if (auto status = addData(QStringLiteral("versions.json"), json(versions)); !status)
        return status.error();

    // The last scans and plans of every pool.
    auto pools = PoolRepo(db).list();
    if (!pools)
        return pools.error();
    QJsonArray scans;
    QJsonArray plans;
    for (const PoolRecord& pool : std::as_const(*pools)) {
        if (auto scan = ScanRepo(db).latest(pool.id); scan && scan->id > 0) {
            QJsonArray entries;
            for (const ScanEntry& entry : std::as_const(scan->entries))
                entries.append(QJsonObject { { QStringLiteral("user"), entry.userName },
                    { QStringLiteral("storage"), entry.storageName }, { QStringLiteral("bytes"), entry.bytes },
                    { QStringLiteral("snapshots"), entry.snapshots }, { QStringLiteral("candidate"), entry.candidate },
                    { QStringLiteral("reason"), entry.reason } });
            scans.append(QJsonObject { { QStringLiteral("pool"), pool.name },
                { QStringLiteral("created"),
                    QDateTime::fromMSecsSinceEpoch(scan->createdMs, Qt::UTC).toString(Qt::ISODateWithMs) },
                { QStringLiteral("users"), entries } });
        }
        if (auto plan = PlanRepo(db).latest(pool.id); plan && plan->id > 0) {
            QJsonObject object = planJson(*plan);
            object.insert(QStringLiteral("pool"), pool.name);
            plans.append(object);
        }
    }
    QJsonArray jobs;
    for (const JobRecord& job : JobRepo(db).list(false, 5000).valueOr({}))
        jobs.append(QJsonObject { { QStringLiteral("id"), job.id }, { QStringLiteral("user"), job.userName },
            { QStringLiteral("from"), job.fromName }, { QStringLiteral("to"), job.toName },
            { QStringLiteral("phase"), toString(job.phase) }, { QStringLiteral("state"), toString(job.state) },
            { QStringLiteral("bytes_done"), job.bytesDone }, { QStringLiteral("bytes_total"), job.bytesTotal },
            { QStringLiteral("error"), job.error } });
    QJsonArray alerts;
    for (const AlertRecord& alert : AlertRepo(db).list(false, 5000).valueOr({}))
        alerts.append(
            QJsonObject { { QStringLiteral("time"),
                              QDateTime::fromMSecsSinceEpoch(alert.createdMs, Qt::UTC).toString(Qt::ISODateWithMs) },
                { QStringLiteral("storage"), alert.storageName }, { QStringLiteral("kind"), alert.kind },
                { QStringLiteral("message"), alert.message }, { QStringLiteral("active"), alert.active } });
    for (const auto& [name, value] :
        { std::pair { QStringLiteral("scans.json"), scans }, std::pair { QStringLiteral("plans.json"), plans },
            std::pair { QStringLiteral("jobs.json"), jobs }, std::pair { QStringLiteral("alerts.json"), alerts } }) {
        if (auto status = addData(name, json(value)); !status)
            return status.error();
    }

    // Every storage's migration log with its rotations; only from storages that prove to be
    // themselves (storage.json), never anything else on them.
    QJsonArray storagesJson;
    for (const StorageRecord& storage : StorageRepo(db).list().valueOr({})) {
        QJsonObject object { { QStringLiteral("name"), storage.name }, { QStringLiteral("pool"), storage.poolName },
            { QStringLiteral("path"), storage.rootPath }, { QStringLiteral("state"), toString(storage.state) },
            { QStringLiteral("used_bytes"), storage.usedBytes } };
        auto root = master.openStorage(storage);
        if (!root) {
            object.insert(QStringLiteral("unreachable"), root.message());
            result.notes.append(root.message());
            storagesJson.append(object);
            continue;
        }
        report(QStringLiteral("adding the logs of %1").arg(storage.name));
        QJsonArray logs;
        for (const QString& file : MigrationLog::files(root->path())) {
            const QString name = QStringLiteral("storages/%1/%2")
                                     .arg(QString(storage.name).replace(u'/', u'_'), QFileInfo(file).fileName());
            if (auto status = addFile(name, file); !status) {
                result.entries.removeLast();
                result.notes.append(status.message());
                continue;
            }
            logs.append(QFileInfo(file).fileName());
        }
        object.insert(QStringLiteral("logs"), logs);
        storagesJson.append(object);
    }
    if (auto status = addData(QStringLiteral("storages.json"), json(storagesJson)); !status)
        return status.error();
    if (auto status = archive.close(); !status)
        return status.error();
    result.bytes = QFileInfo(outPath).size();
    return result;
}

} // namespace pk
