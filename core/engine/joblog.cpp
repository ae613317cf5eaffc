#include "joblog.h"

#include "archive/compressedfilereader.h"
#include "logs/logfmt.h"
#include "logs/logfmtline.h"
#include "logs/migrationlog.h"

#include <algorithm>

namespace pk {

JobLog readJobLog(qint64 jobId, const QList<QPair<QString, QString>>& storages)
{
    JobLog log;
    log.jobId = jobId;
    const QByteArray jobField = "job=" + QByteArray::number(jobId) + ' ';
    for (const auto& [name, root] : storages) {
        for (const QString& file : MigrationLog::files(root)) {
            CompressedFileReader reader;
            if (auto status = reader.open(file); !status) {
                log.problems.append(status.message());
                continue;
            }
            QByteArray pending;
            QByteArray buffer(1 << 20, Qt::Uninitialized);
            auto takeLines = [&](bool final) {
                qsizetype start = 0;
                for (;;) {
                    const qsizetype end = pending.indexOf('\n', start);
                    if (end < 0 && !final)
                        break;
                    const qsizetype stop = end < 0 ? pending.size() : end;
                    QByteArrayView line(pending.constData() + start, stop - start);
                    if (line.endsWith('\r'))
                        line.chop(1);
                    // A cheap filter before parsing: most lines belong to other jobs.
                    if (QByteArrayView(line).contains(QByteArrayView(jobField))
                        || line.endsWith(QByteArrayView(jobField).chopped(1))) {
                        const LogfmtLine parsed = Logfmt::parse(line);
                        if (auto record = parsed.toRecord();
                            record && record->field(QStringLiteral("job")) == QString::number(jobId))
                            log.lines.append({ name, *record });
                    }
                    if (end < 0)
                        break;
                    start = end + 1;
                }
                pending.remove(0, final ? pending.size() : start);
            };
            for (;;) {
                auto n = reader.read(buffer.data(), buffer.size());
                if (!n) {
                    log.problems.append(n.message());
                    break;
                }
                if (*n == 0)
                    break;
                pending.append(buffer.constData(), static_cast<qsizetype>(*n));
                takeLines(false);
            }
            takeLines(true);
        }
    }
    // Both nodes hold the same job lines: keep one of each, in time order.
    std::stable_sort(log.lines.begin(), log.lines.end(),
        [](const JobLogLine& a, const JobLogLine& b) { return a.record.timeMs < b.record.timeMs; });
    QList<JobLogLine> unique;
    for (const JobLogLine& line : std::as_const(log.lines)) {
        const bool duplicate = std::any_of(unique.crbegin(), std::min(unique.crbegin() + 8, unique.crend()),
            [&](const JobLogLine& seen) { return seen.record == line.record; });
        if (!duplicate)
            unique.append(line);
    }
    log.lines = unique;
    return log;
}

} // namespace pk
