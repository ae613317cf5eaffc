#pragma once

// Chooses which users move where. For every marked storage (the source) the plan must bring it
// below the high watermark; it aims at the pool's mean, clamped to [low, high), because stopping
// just under high invites the next backups to mark it again, and going below low would make the
// source look free. Among the sets of users that get closest to that aim it takes the fewest
// bytes, then the fewest users. No destination may pass the low watermark, counting the bytes
// reserved by moves already in flight, so a moved user can never be moved back by the next plan.
// Exact for up to exactLimit candidates on a source; a greedy cover beyond (100,000 users plan in
// well under a second).

#include "configdb/enginerecords.h"
#include "configdb/records.h"

#include <QList>
#include <QStringList>

namespace pk {

struct PlannerStorage
{
    qint64 id = 0;
    QString name;
    qint64 capacityBytes = 0;
    qint64 usedBytes = 0;
    StorageState state = StorageState::Online; // effective: unreachable ones are Offline
    qint64 incomingReserved = 0; // outstanding reservations of moves in flight into it
    qint64 outgoingBytes = 0; // bytes of users moving away in flight (still counted in used)

    // Used bytes once every move in flight has finished.
    qint64 settledBytes() const { return usedBytes - outgoingBytes + incomingReserved; }
};

struct PlannerUser
{
    qint64 id = 0;
    QString name;
    qint64 storageId = 0;
    qint64 bytes = 0;
};

struct PlannerInput
{
    double highPercent = 80.0;
    double lowPercent = 70.0;
    JobKind kind = JobKind::Balance; // Drain: empty the draining storages, destinations up to high
    QList<PlannerStorage> storages;
    QList<PlannerUser> candidates; // movable users on the sources
};

struct PlannerOutput
{
    QList<PlannedMove> moves;
    QList<ProjectedUsage> projected; // every storage: settled before, and after the moves
    QStringList notes; // per source: what the plan achieves or why it cannot
    QList<qint64> stuckSources; // sources that stay at or above high (or cannot be emptied)
    qint64 bytesMoved() const;
};

class Planner
{
public:
    static constexpr int exactLimit = 16;
    static PlannerOutput plan(const PlannerInput& input);
};

} // namespace pk
