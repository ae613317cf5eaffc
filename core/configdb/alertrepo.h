#pragma once

// Alerts in ConfigDb: "Low Free Space Available" while it stands (never repeated meanwhile) and
// one per failed migration; the console acknowledges them.

#include "configdb.h"
#include "enginerecords.h"

namespace pk {

class AlertRepo
{
public:
    explicit AlertRepo(ConfigDb& db)
        : m_db(db)
    { }

    // Returns true when a new alert was stored, false when the same one already stands.
    Result<bool> raise(
        qint64 storageId, const QString& storageName, const QString& kind, const QString& message, qint64 jobId = 0);
    // Ends a standing alert (the condition is gone).
    Status clear(qint64 storageId, const QString& kind);
    Status acknowledge(qint64 id);
    // Newest first.
    Result<QList<AlertRecord>> list(bool activeOnly = false, int limit = 500);

private:
    ConfigDb& m_db;
};

} // namespace pk
