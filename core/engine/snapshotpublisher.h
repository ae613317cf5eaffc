#pragma once

// Publishes what the console shows (pools, jobs, alerts, capacity history) as value-type
// snapshots read from ConfigDb on the engine's thread; jobs only when they changed.

#include "configdb/enginerecords.h"
#include "configdb/records.h"
#include "master/poolstatus.h"

#include <QList>
#include <QObject>
#include <QPointF>
#include <QSet>

namespace pk {

class ConfigDb;
class Master;

struct StorageHistory
{
    qint64 storageId = 0;
    QString storageName;
    QList<QPointF> points; // x: ms since the epoch, y: used percent
};

struct PoolHistory
{
    qint64 poolId = 0;
    quint64 generation = 0;
    QList<StorageHistory> storages;
};

class SnapshotPublisher : public QObject
{
    Q_OBJECT
public:
    SnapshotPublisher(ConfigDb& db, Master& master, QObject* parent = nullptr);

    void publishPools();
    // Only when the jobs changed since the last time, unless force.
    void publishJobs(bool force = false);
    void publishAlerts();
    // The used percent of the pool's storages since sinceMs, at most maxPoints per storage.
    void publishHistory(qint64 poolId, qint64 sinceMs, int maxPoints, quint64 generation);

signals:
    void poolsChanged(const QList<pk::PoolStatus>& pools);
    void jobsChanged(const QList<pk::JobRecord>& jobs);
    void alertsChanged(const QList<pk::AlertRecord>& alerts);
    void historyReady(const pk::PoolHistory& history);

private:
    ConfigDb& m_db;
    Master& m_master;
    qint64 m_lastJobsStamp = -1;
    QSet<QString> m_failing; // warnings already given, until ConfigDb answers again
    void warnOnce(const char* what, const QString& message);
};

} // namespace pk

Q_DECLARE_METATYPE(pk::PoolHistory)
