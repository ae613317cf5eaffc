#pragma once

// Value types for the engine's rows in ConfigDb: scans, plans, migration jobs, alerts and
// capacity samples. They cross from the engine's thread to the console by value.

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace pk {

enum class JobState { Pending, Running, Done, Failed, Cancelled };
// The phases of a migration in the order they run; RollingBack removes an invalid copy.
enum class JobPhase {
    Queued,
    Copying,
    CatchUp,
    Freeze,
    FinalCatchUp,
    Verifying,
    Switching,
    Unfreeze,
    Compacting,
    Done,
    RollingBack
};
enum class JobKind { Balance, Drain };
enum class PlanState { Proposed, Approved, Rejected, Superseded };

QString toString(JobState state);
std::optional<JobState> jobStateFromString(const QString& text);
QString toString(JobPhase phase);
std::optional<JobPhase> jobPhaseFromString(const QString& text);
QString toString(JobKind kind);
QString toString(PlanState state);
std::optional<PlanState> planStateFromString(const QString& text);
bool isActive(JobState state);

struct JobRecord
{
    qint64 id = 0;
    JobKind kind = JobKind::Balance;
    qint64 planId = 0;
    qint64 userId = 0;
    QString userName;
    QString userUuid;
    qint64 poolId = 0;
    qint64 fromStorageId = 0;
    QString fromName;
    qint64 toStorageId = 0;
    QString toName;
    JobPhase phase = JobPhase::Queued;
    JobState state = JobState::Pending;
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    qint64 reservedBytes = 0; // room held on the destination until the copy is accounted there
    qint64 destAccountedBytes = 0; // bytes of the copy counted in the destination's used bytes until the switch
    qint64 sourceBytes = 0; // bytes of the source copy still counted after the switch, until compaction
    bool cleanupPending = false; // failed or cancelled, and its copy on the destination is still to be removed
    QString error;
    bool cancelRequested = false;
    qint64 ownerPid = 0;
    qint64 createdMs = 0;
    qint64 startedMs = 0;
    qint64 updatedMs = 0;
    qint64 finishedMs = 0;

    // After the switch the user counts on the destination and its source copy waits to be compacted.
    bool isSwitched() const
    {
        return phase == JobPhase::Unfreeze || phase == JobPhase::Compacting || phase == JobPhase::Done;
    }
    // What the ledger still holds on the destination: the part of the copy not counted there yet.
    qint64 outstandingReservation() const
    {
        return isSwitched() ? 0 : qMax<qint64>(0, reservedBytes - destAccountedBytes);
    }
};

struct ScanEntry
{
    qint64 userId = 0;
    QString userName;
    qint64 storageId = 0;
    QString storageName;
    qint64 bytes = 0;
    int snapshots = 0;
    bool candidate = false;
    QString reason; // why not, or "consistent"
};

struct ScanReport
{
    qint64 id = 0;
    qint64 poolId = 0;
    QString poolName;
    qint64 createdMs = 0;
    QList<ScanEntry> entries;
};

struct PlannedMove
{
    qint64 userId = 0;
    QString userName;
    qint64 fromStorageId = 0;
    QString fromName;
    qint64 toStorageId = 0;
    QString toName;
    qint64 bytes = 0;
    bool approved = false;
};

struct ProjectedUsage
{
    qint64 storageId = 0;
    QString storageName;
    qint64 capacityBytes = 0;
    qint64 usedBefore = 0; // used now
    qint64 usedAfter = 0; // once the moves in flight and this plan are done
    double percentBefore() const
    {
        return capacityBytes > 0 ? 100.0 * static_cast<double>(usedBefore) / static_cast<double>(capacityBytes) : 0.0;
    }
    double percentAfter() const
    {
        return capacityBytes > 0 ? 100.0 * static_cast<double>(usedAfter) / static_cast<double>(capacityBytes) : 0.0;
    }
};

struct PlanRecord
{
    qint64 id = 0;
    qint64 poolId = 0;
    QString poolName;
    qint64 scanId = 0;
    JobKind kind = JobKind::Balance;
    PlanState state = PlanState::Proposed;
    qint64 createdMs = 0;
    QString summary;
    QList<PlannedMove> moves;
    QList<ProjectedUsage> projected;
};

struct AlertRecord
{
    qint64 id = 0;
    qint64 createdMs = 0;
    qint64 storageId = 0;
    QString storageName;
    QString kind; // "low_free_space", "migration_failed", "compaction_pending"
    QString message;
    qint64 jobId = 0;
    bool active = true;
    qint64 acknowledgedMs = 0;
};

struct CapacitySample
{
    qint64 storageId = 0;
    qint64 timeMs = 0;
    qint64 usedBytes = 0;
    qint64 capacityBytes = 0;
    bool reachable = true; // the engine that sampled could reach the storage
};

namespace alertKind {
inline const QString lowFreeSpace = QStringLiteral("low_free_space");
inline const QString migrationFailed = QStringLiteral("migration_failed");
// A moved user's source copy could not be removed yet: its space is not free.
inline const QString compactionPending = QStringLiteral("compaction_pending");
} // namespace alertKind

} // namespace pk

Q_DECLARE_METATYPE(pk::JobRecord)
Q_DECLARE_METATYPE(pk::ScanReport)
Q_DECLARE_METATYPE(pk::PlanRecord)
Q_DECLARE_METATYPE(pk::AlertRecord)
