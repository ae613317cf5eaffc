#include "snapshotpublisher.h"

#include "configdb/alertrepo.h"
#include "configdb/configdb.h"
#include "configdb/jobrepo.h"
#include "configdb/samplerepo.h"
#include "configdb/storagerepo.h"
#include "downsample.h"
#include "master/master.h"
#include "util/logging.h"

namespace pk {

SnapshotPublisher::SnapshotPublisher(ConfigDb& db, Master& master, QObject* parent)
    : QObject(parent)
    , m_db(db)
    , m_master(master)
{ }

void SnapshotPublisher::warnOnce(const char* what, const QString& message)
{
    // While ConfigDb is away every tick fails the same way: one line when it starts is enough.
    const QString key = QString::fromLatin1(what);
    if (m_failing.contains(key))
        return;
    m_failing.insert(key);
    qCWarning(lcEngine).noquote() << what << message;
}

void SnapshotPublisher::publishPools()
{
    auto pools = m_master.status();
    if (!pools)
        return warnOnce("cannot read the pools' status; the console keeps the last one:", pools.message());
    m_failing.remove(QStringLiteral("cannot read the pools' status; the console keeps the last one:"));
    emit poolsChanged(*pools);
}

void SnapshotPublisher::publishJobs(bool force)
{
    auto stamp = JobRepo(m_db).changeStamp();
    if (!stamp)
        return warnOnce("cannot read the jobs' change stamp; trying again at the next tick:", stamp.message());
    m_failing.clear(); // ConfigDb answers again
    const qint64 value = *stamp;
    if (value == m_lastJobsStamp && !force)
        return;
    m_lastJobsStamp = value;
    auto jobs = JobRepo(m_db).list(false, 500);
    if (jobs)
        emit jobsChanged(*jobs);
    else
        warnOnce("cannot list the jobs; the console keeps the last list:", jobs.message());
}

void SnapshotPublisher::publishAlerts()
{
    auto alerts = AlertRepo(m_db).list(false, 500);
    if (alerts)
        emit alertsChanged(*alerts);
    else
        warnOnce("cannot list the alerts; the console keeps the last list:", alerts.message());
}

void SnapshotPublisher::publishHistory(qint64 poolId, qint64 sinceMs, int maxPoints, quint64 generation)
{
    PoolHistory history;
    history.poolId = poolId;
    history.generation = generation;
    auto storages = StorageRepo(m_db).list(poolId);
    if (!storages)
        return warnOnce("cannot list the storages of a pool for its history:", storages.message());
    SampleRepo samples(m_db);
    for (const StorageRecord& storage : std::as_const(*storages)) {
        auto range = samples.range(storage.id, sinceMs, nowMs());
        if (!range) {
            warnOnce("cannot read the capacity history of a storage:",
                storage.name + QStringLiteral(": ") + range.message());
            continue;
        }
        QList<QPointF> points;
        points.reserve(range->size());
        for (const CapacitySample& sample : std::as_const(*range)) {
            if (sample.capacityBytes > 0)
                points.append(QPointF(static_cast<double>(sample.timeMs),
                    100.0 * static_cast<double>(sample.usedBytes) / static_cast<double>(sample.capacityBytes)));
        }
        history.storages.append({ storage.id, storage.name, downsample(points, maxPoints) });
    }
    emit historyReady(history);
}

} // namespace pk
