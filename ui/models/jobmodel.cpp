#include "jobmodel.h"

#include "icons.h"
#include "theme.h"
#include "util/sizes.h"

#include <QColor>

namespace pk {

JobModel::JobModel(QObject* parent)
    : RowTableModel(
        ColumnCount, [](const JobRecord& job) { return job.id; }, parent)
{ }

void JobModel::setJobs(const QList<JobRecord>& jobs)
{
    setRows(jobs);
}

void JobModel::setProgress(const JobProgress& progress)
{
    m_progress.insert(progress.jobId, progress);
    const int row = rowOf(progress.jobId);
    if (row >= 0)
        emit dataChanged(index(row, PhaseColumn), index(row, EtaColumn));
}

std::optional<JobRecord> JobModel::job(qint64 id) const
{
    const int row = rowOf(id);
    if (row < 0)
        return std::nullopt;
    return rowAt(row);
}

QVariant JobModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JobRecord& job = rowAt(index.row());
    // A running job's live progress is newer than the row ConfigDb last gave.
    const auto live = m_progress.constFind(job.id);
    const bool running = job.state == JobState::Running && live != m_progress.constEnd();
    const JobPhase phase = running ? live->phase : job.phase;
    const qint64 done = running ? live->bytesDone : job.bytesDone;
    const qint64 total = qMax(running ? live->bytesTotal : job.bytesTotal, done);
    const double rate = running ? live->bytesPerSecond : 0.0;
    const int percent = job.state == JobState::Done ? 100 : (total > 0 ? static_cast<int>(100 * done / total) : 0);

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return job.id;
        case UserColumn:
            return job.userName;
        case RouteColumn:
            return QStringLiteral("%1 → %2").arg(job.fromName, job.toName);
        case PhaseColumn:
            return displayName(phase);
        case ProgressColumn:
            return QStringLiteral("%1 %").arg(percent);
        case BytesColumn:
            return tr("%1 of %2").arg(formatBytes(done), formatBytes(total));
        case RateColumn:
            return rate > 0 ? tr("%1/s").arg(formatBytes(static_cast<qint64>(rate))) : QString();
        case EtaColumn: {
            if (rate <= 0 || done >= total || !isActive(job.state))
                return QString();
            const auto seconds = static_cast<qint64>(static_cast<double>(total - done) / rate);
            return seconds >= 3600
                ? tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60)
                : (seconds >= 60 ? tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60) : tr("%1 s").arg(seconds));
        }
        case StateColumn:
            return displayName(job.state);
        case ErrorColumn:
            return job.error;
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == StateColumn && job.state == JobState::Failed)
            return icons::alert();
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn && job.state == JobState::Failed)
            return theme::aboveHigh();
        return {};
    case Qt::ToolTipRole:
        if (!job.error.isEmpty())
            return job.error;
        return tr("Job %1: user %2 from %3 to %4").arg(job.id).arg(job.userName, job.fromName, job.toName);
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == BytesColumn || index.column() == RateColumn
            || index.column() == EtaColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case JobIdRole:
        return job.id;
    case ProgressRole:
        return percent;
    case IsActiveRole:
        return isActive(job.state);
    case StateRole:
        return static_cast<int>(job.state);
    }
    return {};
}

QVariant JobModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[]
        = { QT_TR_NOOP("Job"), QT_TR_NOOP("User"), QT_TR_NOOP("From → to"), QT_TR_NOOP("Phase"), QT_TR_NOOP("Progress"),
              QT_TR_NOOP("Bytes"), QT_TR_NOOP("Rate"), QT_TR_NOOP("ETA"), QT_TR_NOOP("State"), QT_TR_NOOP("Error") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace pk
