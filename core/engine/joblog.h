#pragma once

// The lines one migration job wrote to inSyncMigration.log on its source and destination,
// rotated and compressed files included, merged by time. For the console's job view until the
// full log viewer; reads through core so the console never opens storage files itself.

#include "logs/logrecord.h"
#include "util/result.h"

#include <QList>
#include <QMetaType>
#include <QStringList>

namespace pk {

struct JobLogLine
{
    QString storage; // the node the line was read from
    LogRecord record;
};

struct JobLog
{
    qint64 jobId = 0;
    QList<JobLogLine> lines;
    QStringList problems; // unreadable or damaged files (what could be read is kept)
};

// storages: (name, root path) of the job's source and destination.
JobLog readJobLog(qint64 jobId, const QList<QPair<QString, QString>>& storages);

} // namespace pk

Q_DECLARE_METATYPE(pk::JobLog)
