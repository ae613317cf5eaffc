// The balancing planner: hand-made pools with exact expected moves, invariants over thousands of
// generated pools, the exact path against brute force and the greedy path against the optimum.
//
// Watermarks in the generated pools are whole tenths of a percent so that every bound can be
// checked with integers, independently of the planner's own arithmetic.

#include "balance/balancedetector.h"
#include "balance/planner.h"
#include "balance/watermark.h"

#include <QHash>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

using namespace pk;

namespace {

// ---- Exact integer watermarks --------------------------------------------------------------

// floor(tenths / 1000 * capacity): the most bytes at or below the watermark.
qint64 bytesAtTenths(int tenths, qint64 capacity)
{
    return tenths * (capacity / 1000) + tenths * (capacity % 1000) / 1000;
}

// The most bytes strictly below the watermark.
qint64 bytesBelowTenths(int tenths, qint64 capacity)
{
    const qint64 rest = tenths * (capacity % 1000);
    return tenths * (capacity / 1000) + rest / 1000 - (rest % 1000 == 0 ? 1 : 0);
}

// ---- The planner's own aim, computed as planner.cpp does ------------------------------------

double percentOf(qint64 used, qint64 capacity)
{
    return capacity > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(capacity) : 0.0;
}

// Bounds from the percentage in millionths, as the planner computes them.
qint64 plannerBytesAt(double percent, qint64 capacity)
{
    const qint64 p = std::llround(percent * 1e6);
    return p * (capacity / 100000000) + p * (capacity % 100000000) / 100000000;
}

qint64 plannerBytesBelow(double percent, qint64 capacity)
{
    const qint64 p = std::llround(percent * 1e6);
    const qint64 rest = p * (capacity % 100000000);
    return p * (capacity / 100000000) + rest / 100000000 - (rest % 100000000 == 0 ? 1 : 0);
}

struct Aim
{
    qint64 need = 0; // bytes that bring the source strictly below high
    qint64 want = 0; // bytes that bring it to the clamped mean
};

Aim aimOf(const PlannerInput& input, const PlannerStorage& source)
{
    qint64 poolUsed = 0;
    qint64 poolCapacity = 0;
    for (const PlannerStorage& storage : input.storages) {
        if (storage.state != StorageState::Offline && storage.state != StorageState::Draining
            && storage.capacityBytes > 0) {
            poolUsed += storage.settledBytes();
            poolCapacity += storage.capacityBytes;
        }
    }
    const double aimPercent = std::clamp(percentOf(poolUsed, poolCapacity), input.lowPercent, input.highPercent);
    const qint64 used = source.settledBytes();
    Aim aim;
    aim.need = qMax<qint64>(1, used - plannerBytesBelow(input.highPercent, source.capacityBytes));
    aim.want = qMax(aim.need, used - plannerBytesAt(aimPercent, source.capacityBytes));
    return aim;
}

// ---- Hand-made pools -----------------------------------------------------------------------

// Storages "name:capacity:used[:state[:incoming[:outgoing]]]" get ids 1, 2, ...; users
// "name:storage:bytes" get ids 1, 2, ... Sizes accept exponents ("1e12").
PlannerInput makeInput(
    const QStringList& storageSpecs, const QStringList& userSpecs, double high, double low, JobKind kind)
{
    auto number = [](const QString& text) { return static_cast<qint64>(std::llround(text.toDouble())); };
    PlannerInput input;
    input.highPercent = high;
    input.lowPercent = low;
    input.kind = kind;
    QHash<QString, qint64> ids;
    for (const QString& spec : storageSpecs) {
        const QStringList parts = spec.split(u':');
        PlannerStorage storage;
        storage.id = input.storages.size() + 1;
        storage.name = parts.at(0);
        storage.capacityBytes = number(parts.at(1));
        storage.usedBytes = number(parts.at(2));
        storage.state = *storageStateFromString(parts.value(3, QStringLiteral("online")));
        storage.incomingReserved = number(parts.value(4, QStringLiteral("0")));
        storage.outgoingBytes = number(parts.value(5, QStringLiteral("0")));
        ids.insert(storage.name, storage.id);
        input.storages.append(storage);
    }
    for (const QString& spec : userSpecs) {
        const QStringList parts = spec.split(u':');
        input.candidates.append(
            { input.candidates.size() + 1, parts.at(0), ids.value(parts.at(1)), number(parts.at(2)) });
    }
    return input;
}

QStringList movesOf(const PlannerOutput& output)
{
    QStringList moves;
    for (const PlannedMove& move : output.moves)
        moves.append(move.userName + u'>' + move.toName);
    moves.sort();
    return moves;
}

QStringList stuckOf(const PlannerInput& input, const PlannerOutput& output)
{
    QStringList names;
    for (const PlannerStorage& storage : input.storages) {
        if (output.stuckSources.contains(storage.id))
            names.append(storage.name);
    }
    names.sort();
    return names;
}

QString describe(const PlannerInput& input)
{
    QStringList lines;
    lines.append(
        QStringLiteral("high %1 low %2 %3").arg(input.highPercent).arg(input.lowPercent).arg(toString(input.kind)));
    for (const PlannerStorage& s : input.storages) {
        lines.append(QStringLiteral("  storage %1 %2 cap %3 used %4 in %5 out %6")
                         .arg(s.id)
                         .arg(toString(s.state))
                         .arg(s.capacityBytes)
                         .arg(s.usedBytes)
                         .arg(s.incomingReserved)
                         .arg(s.outgoingBytes));
    }
    for (const PlannerUser& u : input.candidates)
        lines.append(QStringLiteral("  user %1 on %2: %3").arg(u.id).arg(u.storageId).arg(u.bytes));
    return lines.join(u'\n');
}

// ---- Invariants of every plan --------------------------------------------------------------

bool isSource(const PlannerInput& input, const PlannerStorage& storage)
{
    if (storage.capacityBytes <= 0)
        return false;
    if (input.kind == JobKind::Drain)
        return storage.state == StorageState::Draining;
    return storage.state == StorageState::Marked
        && watermark::isAtOrAbove(storage.settledBytes(), storage.capacityBytes, input.highPercent);
}

// Settled bytes of every storage once the moves in flight and the planned moves are done.
QHash<qint64, qint64> settledAfter(const PlannerInput& input, const QList<PlannedMove>& moves)
{
    QHash<qint64, qint64> after;
    for (const PlannerStorage& storage : input.storages)
        after.insert(storage.id, storage.usedBytes - storage.outgoingBytes + storage.incomingReserved);
    for (const PlannedMove& move : moves) {
        after[move.fromStorageId] -= move.bytes;
        after[move.toStorageId] += move.bytes;
    }
    return after;
}

// Returns what is wrong with the plan, or an empty string. highTenths/lowTenths are the
// watermarks in tenths of a percent (input.highPercent == highTenths / 10.0).
QString violation(const PlannerInput& input, const PlannerOutput& output, int highTenths, int lowTenths)
{
    const bool drain = input.kind == JobKind::Drain;
    QHash<qint64, const PlannerStorage*> storages;
    for (const PlannerStorage& storage : input.storages)
        storages.insert(storage.id, &storage);
    QHash<qint64, const PlannerUser*> users;
    for (const PlannerUser& user : input.candidates)
        users.insert(user.id, &user);

    // (a) every move is a candidate on a source, once, to another online storage.
    QSet<qint64> movedUsers;
    QSet<qint64> destinations;
    QHash<qint64, int> movesFrom;
    for (const PlannedMove& move : output.moves) {
        const PlannerUser* user = users.value(move.userId);
        if (!user)
            return QStringLiteral("user %1 is not a candidate").arg(move.userId);
        if (movedUsers.contains(move.userId))
            return QStringLiteral("user %1 moves twice").arg(move.userId);
        movedUsers.insert(move.userId);
        if (user->storageId != move.fromStorageId || user->bytes != move.bytes || user->name != move.userName)
            return QStringLiteral("move of user %1 does not match the candidate").arg(move.userId);
        const PlannerStorage* from = storages.value(move.fromStorageId);
        const PlannerStorage* to = storages.value(move.toStorageId);
        if (!from || !isSource(input, *from))
            return QStringLiteral("user %1 moves from storage %2 that is not a source")
                .arg(move.userId)
                .arg(move.fromStorageId);
        if (!to || to->id == from->id || to->state != StorageState::Online || to->capacityBytes <= 0)
            return QStringLiteral("user %1 moves to storage %2 that is not an online destination")
                .arg(move.userId)
                .arg(move.toStorageId);
        if (move.fromName != from->name || move.toName != to->name)
            return QStringLiteral("move of user %1 carries wrong storage names").arg(move.userId);
        destinations.insert(to->id);
        ++movesFrom[from->id];
    }

    // (b) no destination ends above its ceiling, counting reservations.
    const QHash<qint64, qint64> after = settledAfter(input, output.moves);
    for (qint64 id : std::as_const(destinations)) {
        const qint64 capacity = storages.value(id)->capacityBytes;
        const qint64 ceiling = drain ? bytesBelowTenths(highTenths, capacity) : bytesAtTenths(lowTenths, capacity);
        if (after.value(id) > ceiling)
            return QStringLiteral("destination %1 ends at %2 bytes, above its ceiling %3")
                .arg(id)
                .arg(after.value(id))
                .arg(ceiling);
    }

    // (c) sources: one note each; those not stuck end strictly below high (balance) or empty (drain).
    QList<const PlannerStorage*> sources;
    for (const PlannerStorage& storage : input.storages) {
        if (isSource(input, storage))
            sources.append(&storage);
    }
    if (output.notes.size() != sources.size())
        return QStringLiteral("%1 notes for %2 sources").arg(output.notes.size()).arg(sources.size());
    if (QSet<qint64>(output.stuckSources.cbegin(), output.stuckSources.cend()).size() != output.stuckSources.size())
        return QStringLiteral("a stuck source is listed twice");
    for (qint64 id : output.stuckSources) {
        if (!storages.contains(id) || !isSource(input, *storages.value(id)))
            return QStringLiteral("stuck storage %1 is not a source").arg(id);
    }
    for (const PlannerStorage* source : std::as_const(sources)) {
        const bool stuck = output.stuckSources.contains(source->id);
        const bool hasNote = std::any_of(output.notes.cbegin(), output.notes.cend(),
            [&](const QString& note) { return note.startsWith(source->name + u':'); });
        if (!hasNote)
            return QStringLiteral("no note for source %1").arg(source->id);
        if (drain) {
            int candidates = 0;
            for (const PlannerUser& user : input.candidates)
                candidates += user.storageId == source->id && user.bytes >= 0 ? 1 : 0;
            if (stuck == (movesFrom.value(source->id) == candidates))
                return QStringLiteral("draining storage %1: %2 of %3 users move, stuck %4")
                    .arg(source->id)
                    .arg(movesFrom.value(source->id))
                    .arg(candidates)
                    .arg(stuck);
        } else {
            const bool below = after.value(source->id) <= bytesBelowTenths(highTenths, source->capacityBytes);
            if (!stuck && !below)
                return QStringLiteral("source %1 is not stuck but ends at %2 bytes, not below high")
                    .arg(source->id)
                    .arg(after.value(source->id));
            if (stuck && below && movesFrom.value(source->id) > 0)
                return QStringLiteral("source %1 ends below high but is reported stuck").arg(source->id);
        }
    }

    // (d) projected usage, recomputed.
    if (output.projected.size() != input.storages.size())
        return QStringLiteral("%1 projections for %2 storages").arg(output.projected.size()).arg(input.storages.size());
    for (qsizetype i = 0; i < input.storages.size(); ++i) {
        const PlannerStorage& storage = input.storages.at(i);
        const ProjectedUsage& usage = output.projected.at(i);
        if (usage.storageId != storage.id || usage.storageName != storage.name
            || usage.capacityBytes != storage.capacityBytes)
            return QStringLiteral("projection %1 is for the wrong storage").arg(i);
        if (usage.usedBefore != storage.usedBytes)
            return QStringLiteral("storage %1: projected before %2, used %3")
                .arg(storage.id)
                .arg(usage.usedBefore)
                .arg(storage.usedBytes);
        if (usage.usedAfter != after.value(storage.id))
            return QStringLiteral("storage %1: projected after %2, recomputed %3")
                .arg(storage.id)
                .arg(usage.usedAfter)
                .arg(after.value(storage.id));
    }
    if (output.bytesMoved()
        != std::accumulate(output.moves.cbegin(), output.moves.cend(), qint64(0),
            [](qint64 sum, const PlannedMove& m) { return sum + m.bytes; }))
        return QStringLiteral("bytesMoved() disagrees with the moves");
    return {};
}

using MoveKey = std::tuple<qint64, qint64, qint64, qint64>;

QList<MoveKey> keysOf(const PlannerOutput& output)
{
    QList<MoveKey> keys;
    for (const PlannedMove& move : output.moves)
        keys.append({ move.userId, move.fromStorageId, move.toStorageId, move.bytes });
    return keys;
}

// ---- Generated pools -----------------------------------------------------------------------

struct GeneratedPool
{
    PlannerInput input;
    int highTenths = 800;
    int lowTenths = 700;
};

enum class KindMix { Balance, Drain, Mixed };

// Log-uniform in [lowest, highest], lowest >= 1.
qint64 logUniform(QRandomGenerator& rng, qint64 lowest, qint64 highest)
{
    if (highest <= lowest)
        return lowest;
    const double a = std::log(static_cast<double>(lowest));
    const double b = std::log(static_cast<double>(highest));
    return std::clamp<qint64>(std::llround(std::exp(a + rng.generateDouble() * (b - a))), lowest, highest);
}

GeneratedPool generatePool(QRandomGenerator& rng, KindMix mix, int minStorages, int maxStorages, int maxCandidates)
{
    GeneratedPool pool;
    pool.highTenths = rng.bounded(600, 951);
    pool.lowTenths = rng.bounded(300, pool.highTenths - 49);
    if (rng.bounded(2) == 0) { // whole percents, the usual configuration
        pool.highTenths -= pool.highTenths % 10;
        pool.lowTenths -= pool.lowTenths % 10;
    }
    PlannerInput& input = pool.input;
    input.highPercent = pool.highTenths / 10.0;
    input.lowPercent = pool.lowTenths / 10.0;
    input.kind
        = mix == KindMix::Drain || (mix == KindMix::Mixed && rng.bounded(5) == 0) ? JobKind::Drain : JobKind::Balance;

    // A unit so that sums hit the watermarks exactly now and then: bytes, decimal kB, MiB, GB.
    static const qint64 units[] = { 1, 1000, qint64(1) << 20, 1000000000 };
    const qint64 unit = units[rng.bounded(4)];
    const int storageCount = rng.bounded(minStorages, maxStorages + 1);
    for (int i = 0; i < storageCount; ++i) {
        PlannerStorage storage;
        storage.id = i + 1;
        storage.name = QStringLiteral("s%1").arg(storage.id);
        const qint64 capacityUnits = rng.bounded(qint64(100), qint64(100001));
        storage.capacityBytes = capacityUnits * unit;
        const int state = rng.bounded(100);
        storage.state = state < 50 ? StorageState::Online
            : state < 75           ? StorageState::Marked
            : state < 87           ? StorageState::Draining
                                   : StorageState::Offline;
        // Marked ones mostly at or above high; the others anywhere.
        const int permille = storage.state == StorageState::Marked && rng.bounded(5) != 0
            ? rng.bounded(pool.highTenths, 1001)
            : rng.bounded(0, 1001);
        storage.usedBytes
            = capacityUnits * permille / 1000 * unit + (rng.bounded(3) == 0 ? rng.bounded(qint64(0), unit) : 0);
        if (rng.bounded(3) == 0)
            storage.incomingReserved = rng.bounded(qint64(0), capacityUnits / 5 + 1) * unit;
        if (rng.bounded(4) == 0)
            storage.outgoingBytes = rng.bounded(qint64(0), storage.usedBytes / 5 + 1);
        if (rng.bounded(40) == 0)
            storage.capacityBytes = 0; // unmeasured: never a source nor a destination
        input.storages.append(storage);
    }

    QList<qint64> sourceIds;
    for (const PlannerStorage& storage : input.storages) {
        if (storage.state == StorageState::Marked || storage.state == StorageState::Draining)
            sourceIds.append(storage.id);
    }
    QHash<qint64, qint64> budget; // candidates never hold more than their storage
    for (const PlannerStorage& storage : input.storages)
        budget.insert(storage.id, storage.usedBytes - storage.outgoingBytes);
    const int candidateCount = rng.bounded(0, maxCandidates + 1);
    for (int i = 0; i < candidateCount; ++i) {
        const qint64 on = !sourceIds.isEmpty() && rng.bounded(10) != 0
            ? sourceIds.at(rng.bounded(int(sourceIds.size())))
            : rng.bounded(1, storageCount + 1);
        const PlannerStorage& storage = input.storages.at(on - 1);
        qint64 bytes = 0;
        if (rng.bounded(50) != 0) {
            const qint64 limitUnits = qMax<qint64>(1, storage.capacityBytes / unit / 4);
            bytes = logUniform(rng, 1, limitUnits) * unit;
        }
        if (bytes > budget.value(on))
            continue;
        budget[on] -= bytes;
        const qint64 id = input.candidates.size() + 1;
        input.candidates.append({ id, QStringLiteral("u%1").arg(id), on, bytes });
    }
    return pool;
}

// ---- Brute force over one source -----------------------------------------------------------

struct Score
{
    qint64 deficit = std::numeric_limits<qint64>::max();
    qint64 bytes = std::numeric_limits<qint64>::max();
    qint64 users = std::numeric_limits<qint64>::max();
    friend bool operator==(const Score&, const Score&) = default;
    friend bool operator<(const Score& a, const Score& b)
    {
        return std::tie(a.deficit, a.bytes, a.users) < std::tie(b.deficit, b.bytes, b.users);
    }
};

QString toText(const Score& s)
{
    return QStringLiteral("(deficit %1, bytes %2, users %3)").arg(s.deficit).arg(s.bytes).arg(s.users);
}

Score scoreOf(qint64 sum, qint64 users, qint64 want)
{
    return { qMax<qint64>(0, want - sum), sum, users };
}

// Every assignment of each user to "stay" or one of the rooms that can still take it.
Score bruteForce(const QList<qint64>& sizes, QList<qint64> rooms, qint64 want)
{
    Score best = scoreOf(0, 0, want);
    std::function<void(qsizetype, qint64, qint64)> visit = [&](qsizetype index, qint64 sum, qint64 users) {
        if (index == sizes.size()) {
            best = qMin(best, scoreOf(sum, users, want));
            return;
        }
        visit(index + 1, sum, users);
        const qint64 bytes = sizes.at(index);
        for (qint64& room : rooms) {
            if (room < bytes)
                continue;
            room -= bytes;
            visit(index + 1, sum + bytes, users + 1);
            room += bytes;
        }
    };
    visit(0, 0, 0);
    return best;
}

// One room: every subset, sums built from the subset without its lowest user.
Score subsetOptimum(const QList<qint64>& sizes, qint64 room, qint64 want)
{
    const int n = static_cast<int>(sizes.size());
    std::vector<qint64> sums(size_t(1) << n, 0);
    Score best = scoreOf(0, 0, want);
    for (quint32 mask = 1; mask < (quint32(1) << n); ++mask) {
        sums[mask] = sums[mask & (mask - 1)] + sizes.at(std::countr_zero(mask));
        if (sums[mask] <= room)
            best = qMin(best, scoreOf(sums[mask], std::popcount(mask), want));
    }
    return best;
}

struct SingleSource
{
    PlannerInput input;
    int highTenths = 800;
    int lowTenths = 700;
    QList<qint64> sizes;
    QList<qint64> rooms; // exact ceilings less settled bytes, positive only
    Aim aim;
};

// One marked source at or above high, 1..maxDestinations online destinations with room, maybe an
// extra storage that only moves the mean, and the given number of candidates: sized against the
// aim, or (tight) against the rooms so that packing them is the hard part.
SingleSource generateSingleSource(QRandomGenerator& rng, int maxDestinations, int candidates, bool tight = false)
{
    SingleSource pool;
    pool.highTenths = rng.bounded(700, 951);
    pool.lowTenths = rng.bounded(400, pool.highTenths - 49);
    if (rng.bounded(2) == 0) {
        pool.highTenths -= pool.highTenths % 10;
        pool.lowTenths -= pool.lowTenths % 10;
    }
    PlannerInput& input = pool.input;
    input.highPercent = pool.highTenths / 10.0;
    input.lowPercent = pool.lowTenths / 10.0;
    static const qint64 units[] = { 1, 1000, 1000000000 };
    const qint64 unit = units[rng.bounded(3)];
    auto storage = [&](StorageState state, int minPermille, int maxPermille, qint64 maxCapacityUnits) {
        PlannerStorage s;
        s.id = input.storages.size() + 1;
        s.name = QStringLiteral("s%1").arg(s.id);
        const qint64 capacityUnits = rng.bounded(qint64(1000), maxCapacityUnits + 1);
        s.capacityBytes = capacityUnits * unit;
        s.usedBytes = capacityUnits * rng.bounded(minPermille, maxPermille + 1) / 1000 * unit;
        s.state = state;
        input.storages.append(s);
        return &input.storages.last();
    };
    PlannerStorage* source = storage(StorageState::Marked, pool.highTenths + 1, 1000, 20000);
    if (rng.bounded(4) == 0) { // still at or above high once the moves in flight are done
        source->outgoingBytes = rng.bounded(qint64(0), source->usedBytes / 20) / unit * unit;
        source->usedBytes += source->outgoingBytes;
    }
    const int destinations = rng.bounded(1, maxDestinations + 1);
    // Tight: rooms from 5 % to 120 % of a fiftieth of the source, users up to that fiftieth, so
    // that which users fit together decides.
    const qint64 roomUnit = qMax<qint64>(20, input.storages.first().capacityBytes / unit / 50);
    for (int i = 0; i < destinations; ++i) {
        // A quarter of them close to low, so that room runs out now and then.
        PlannerStorage* destination
            = storage(StorageState::Online, rng.bounded(4) == 0 ? pool.lowTenths - 30 : 0, pool.lowTenths, 60000);
        if (rng.bounded(3) == 0)
            destination->incomingReserved = rng.bounded(qint64(0), destination->capacityBytes / 10) / unit * unit;
        if (tight) {
            const qint64 room = roomUnit * rng.bounded(5, 121) / 100 * unit;
            destination->incomingReserved = 0;
            destination->usedBytes = qMax<qint64>(0, bytesAtTenths(pool.lowTenths, destination->capacityBytes) - room);
        }
    }
    if (rng.bounded(3) == 0) {
        static const StorageState others[] = { StorageState::Offline, StorageState::Draining, StorageState::Marked };
        storage(others[rng.bounded(3)], 0, 1000, 20000);
    }
    for (const PlannerStorage& s : std::as_const(input.storages)) {
        if (s.state != StorageState::Online)
            continue;
        const qint64 room = bytesAtTenths(pool.lowTenths, s.capacityBytes) - s.settledBytes();
        if (room > 0)
            pool.rooms.append(room);
    }
    const PlannerStorage& src = input.storages.first();
    pool.aim = aimOf(input, src);
    // From a twelfth to one and a half times the aim, so that choices matter.
    qint64 smallest = qMax<qint64>(1, pool.aim.want / 12 / unit);
    qint64 largest = qMax<qint64>(1, pool.aim.want * 3 / 2 / unit);
    if (tight) {
        smallest = roomUnit / 20;
        largest = roomUnit;
    }
    for (int i = 0; i < candidates; ++i) {
        const qint64 bytes = logUniform(rng, smallest, largest) * unit;
        input.candidates.append({ i + 1, QStringLiteral("u%1").arg(i + 1), src.id, bytes });
        pool.sizes.append(bytes);
    }
    return pool;
}

Score plannerScore(const SingleSource& pool, const PlannerOutput& output)
{
    qint64 bytes = 0;
    for (const PlannedMove& move : output.moves)
        bytes += move.bytes;
    return scoreOf(bytes, output.moves.size(), pool.aim.want);
}

} // namespace

class TestPlanner : public QObject
{
    Q_OBJECT
private slots:
    void handMade_data()
    {
        QTest::addColumn<QStringList>("storages");
        QTest::addColumn<QStringList>("users");
        QTest::addColumn<double>("high");
        QTest::addColumn<double>("low");
        QTest::addColumn<bool>("drain");
        QTest::addColumn<QStringList>("moves"); // "user>destination", sorted
        QTest::addColumn<QStringList>("stuck");

        // Pool mean below low: aim at low (700 of 1000), so want 200 bytes; below high needs 101.
        QTest::newRow("single move") << QStringList { "a:1000:900:marked", "b:1000:200" }
                                     << QStringList { "u1:a:200", "u2:a:100" } << 80.0 << 70.0 << false
                                     << QStringList { "u1>b" } << QStringList {};
        QTest::newRow("one big user beats several small (bytes)")
            << QStringList { "a:1000:900:marked", "b:1000:100", "c:1000:100" }
            << QStringList { "big:a:200", "s1:a:70", "s2:a:70", "s3:a:70" } << 80.0 << 70.0 << false
            << QStringList { "big>b" } << QStringList {};
        QTest::newRow("one big user beats several small (same bytes, fewer users)")
            << QStringList { "a:1000:900:marked", "b:1000:100", "c:1000:100" }
            << QStringList { "big:a:210", "s1:a:70", "s2:a:70", "s3:a:70" } << 80.0 << 70.0 << false
            << QStringList { "big>b" } << QStringList {};
        QTest::newRow("several small beat one big")
            << QStringList { "a:1000:900:marked", "b:1000:100", "c:1000:100" }
            << QStringList { "big:a:400", "s1:a:70", "s2:a:70", "s3:a:70" } << 80.0 << 70.0 << false
            << QStringList { "s1>b", "s2>c", "s3>b" } << QStringList {};
        // 110 is enough to go below high, but the aim is the mean (clamped to low): 200.
        QTest::newRow("aims at the mean, not just below high")
            << QStringList { "a:1000:900:marked", "b:1000:200", "c:1000:400" } << QStringList { "x:a:110", "y:a:200" }
            << 80.0 << 70.0 << false << QStringList { "y>b" } << QStringList {};
        // Mean 83 %: the aim is clamped to high, so the least that goes below high (21) wins.
        QTest::newRow("mean above high: just below high")
            << QStringList { "a:1000:820:marked", "b:1000:1000:marked", "c:1000:1000:marked", "d:1000:500" }
            << QStringList { "a1:a:21", "a2:a:100" } << 80.0 << 70.0 << false << QStringList { "a1>d" }
            << QStringList { "b", "c" };
        // Mean 76.7 %: a aims at 766 and takes 234; b then finds 166 bytes of room, not enough.
        QTest::newRow("two sources, the fullest first, the second stuck with moves")
            << QStringList { "a:1000:1000:marked", "b:1000:999:marked", "c:1000:300" }
            << QStringList { "p:a:234", "q:a:300", "r:b:166" } << 80.0 << 70.0 << false << QStringList { "p>c", "r>c" }
            << QStringList { "b" };
        QTest::newRow("exactly at high is a source")
            << QStringList { "a:1000:800:marked", "b:1000:100" } << QStringList { "u:a:100" } << 80.0 << 70.0 << false
            << QStringList { "u>b" } << QStringList {};
        // Worst fit puts 80 into the 120 bytes of b and then cannot place the second 60; only
        // the exact packing (60 + 60 into b, 80 into c) moves all 200 bytes.
        QTest::newRow("packing that worst fit misses")
            << QStringList { "a:1000:900:marked", "b:1000:580", "c:1000:620" }
            << QStringList { "p:a:80", "q:a:60", "r:a:60" } << 80.0 << 70.0 << false
            << QStringList { "p>c", "q>b", "r>b" } << QStringList {};
        // The same behind two rooms too small for any of them.
        QTest::newRow("packing that worst fit misses, behind small rooms")
            << QStringList { "a:1000:900:marked", "t1:1000:670", "t2:1000:680", "b:1000:580", "c:1000:620" }
            << QStringList { "p:a:80", "q:a:60", "r:a:60" } << 80.0 << 70.0 << false
            << QStringList { "p>c", "q>b", "r>b" } << QStringList {};
        QTest::newRow("destination at low: stuck source")
            << QStringList { "a:1000:900:marked", "b:1000:700" } << QStringList { "u:a:150" } << 80.0 << 70.0 << false
            << QStringList {} << QStringList { "a" };
        QTest::newRow("no candidates: stuck source")
            << QStringList { "a:1000:900:marked", "b:1000:100" } << QStringList { "u:b:150" } << 80.0 << 70.0 << false
            << QStringList {} << QStringList { "a" };
        // b would have 200 bytes of room but 200 are reserved by a move in flight.
        QTest::newRow("reservation makes a destination ineligible")
            << QStringList { "a:1000:900:marked", "b:1000:500:online:200", "c:1000:550" }
            << QStringList { "u1:a:150", "u2:a:100" } << 80.0 << 70.0 << false << QStringList { "u1>c" }
            << QStringList {};
        QTest::newRow("without the reservation both move")
            << QStringList { "a:1000:900:marked", "b:1000:500", "c:1000:550" } << QStringList { "u1:a:150", "u2:a:100" }
            << 80.0 << 70.0 << false << QStringList { "u1>b", "u2>c" } << QStringList {};
        // 100 bytes already leaving: settled 850, want 150, not 250.
        QTest::newRow("outgoing bytes count as gone")
            << QStringList { "a:1000:950:marked:0:100", "b:1000:300" } << QStringList { "u1:a:150", "u2:a:250" } << 80.0
            << 70.0 << false << QStringList { "u1>b" } << QStringList {};
        QTest::newRow("outgoing bytes bring it below high: no source")
            << QStringList { "a:1000:850:marked:0:100", "b:1000:300" } << QStringList { "u1:a:150" } << 80.0 << 70.0
            << false << QStringList {} << QStringList {};
        QTest::newRow("offline, marked and draining storages take nothing")
            << QStringList { "a:1000:900:marked", "off:1000:0:offline", "mk:1000:100:marked", "dr:1000:0:draining",
                   "on:1000:600" }
            << QStringList { "u:a:100", "v:a:200" } << 80.0 << 70.0 << false << QStringList { "u>on" }
            << QStringList { "a" };
        QTest::newRow("a user larger than any room never moves")
            << QStringList { "a:1000:900:marked", "b:1000:400", "c:1000:500" }
            << QStringList { "huge:a:350", "small:a:120" } << 80.0 << 70.0 << false << QStringList { "small>b" }
            << QStringList {};
        // An empty user frees nothing: moving it would only add a job.
        QTest::newRow("a user of 0 bytes never moves")
            << QStringList { "a:1000:900:marked", "b:1000:690" } << QStringList { "z:a:0", "w:a:50" } << 80.0 << 70.0
            << false << QStringList {} << QStringList { "a" };
        QTest::newRow("marked storage below high is no source")
            << QStringList { "a:1000:799:marked", "b:1000:100" } << QStringList { "u:a:100" } << 80.0 << 70.0 << false
            << QStringList {} << QStringList {};
        // 89.9 % of 1 TB is exactly 899,000,000,000 bytes: ending there is not below high. The
        // mean is above high (x), so the aim is just below high and u1 would do if it were.
        QTest::newRow("decimal watermark on a decimal capacity")
            << QStringList { "x:1e13:1e13:marked", "a:1e12:95e10:marked", "d:1e12:6e11" }
            << QStringList { "u1:a:51e9", "u2:a:51001000000" } << 89.9 << 70.0 << false << QStringList { "u2>d" }
            << QStringList { "x" };
        // Above exactLimit: the greedy takes 150, then 45, then finishes with the first 5.
        QTest::newRow("greedy path, 17 users")
            << QStringList { "a:1000:900:marked", "b:1000:100" }
            << QStringList { "g1:a:150", "g2:a:60", "g3:a:45", "g4:a:5", "g5:a:5", "g6:a:5", "g7:a:5", "g8:a:5",
                   "g9:a:5", "g10:a:5", "g11:a:5", "g12:a:5", "g13:a:5", "g14:a:5", "g15:a:5", "g16:a:5", "g17:a:5" }
            << 80.0 << 70.0 << false << QStringList { "g1>b", "g3>b", "g4>b" } << QStringList {};
        // Drain: destinations up to just below high (799 bytes), worst fit, biggest first.
        QTest::newRow("drain moves everything, destinations stay below high")
            << QStringList { "d:1000:300:draining", "b:1000:650", "c:1000:700", "m:1000:100:marked" }
            << QStringList { "x:d:140", "y:d:60", "z:d:30" } << 80.0 << 70.0 << true
            << QStringList { "x>b", "y>c", "z>c" } << QStringList {};
        // 100 bytes would bring b to exactly 80 %: not below high.
        QTest::newRow("drain: a destination may not reach high")
            << QStringList { "d:1000:300:draining", "b:1000:700" } << QStringList { "x:d:100" } << 80.0 << 70.0 << true
            << QStringList {} << QStringList { "d" };
        // y fits nowhere once x is placed, but z still does.
        QTest::newRow("drain places what fits after a user that does not")
            << QStringList { "d:1000:300:draining", "b:1000:700", "c:1000:740" }
            << QStringList { "x:d:90", "y:d:60", "z:d:50" } << 80.0 << 70.0 << true << QStringList { "x>b", "z>c" }
            << QStringList { "d" };
        QTest::newRow("drain with too little room")
            << QStringList { "d:1000:300:draining", "b:1000:700" } << QStringList { "x:d:200", "y:d:90", "z:d:5" }
            << 80.0 << 70.0 << true << QStringList { "y>b", "z>b" } << QStringList { "d" };
        QTest::newRow("drain ignores marked sources")
            << QStringList { "a:1000:900:marked", "b:1000:100" } << QStringList { "u:a:100" } << 80.0 << 70.0 << true
            << QStringList {} << QStringList {};
    }
    void handMade()
    {
        QFETCH(QStringList, storages);
        QFETCH(QStringList, users);
        QFETCH(double, high);
        QFETCH(double, low);
        QFETCH(bool, drain);
        QFETCH(QStringList, moves);
        QFETCH(QStringList, stuck);
        const PlannerInput input = makeInput(storages, users, high, low, drain ? JobKind::Drain : JobKind::Balance);
        const PlannerOutput output = Planner::plan(input);
        QCOMPARE(movesOf(output), moves);
        QCOMPARE(stuckOf(input, output), stuck);
        const QString wrong = violation(input, output, qRound(high * 10), qRound(low * 10));
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong + u'\n' + output.notes.join(u'\n')));
    }

    void notes()
    {
        const PlannerInput input
            = makeInput({ "a:1000:900:marked", "b:1000:900:marked", "c:1000:1000:marked", "d:1000:100" },
                { "u:a:200", "v:c:750" }, 80.0, 70.0, JobKind::Balance);
        const PlannerOutput output = Planner::plan(input);
        QCOMPARE(output.notes.size(), 3);
        // c is fullest: its only user is larger than d's room of 600.
        QVERIFY2(
            output.notes.at(0).startsWith(QLatin1String("c: no destination can take")), qPrintable(output.notes.at(0)));
        QVERIFY2(output.notes.at(1).startsWith(QLatin1String("a: moving 1 users")), qPrintable(output.notes.at(1)));
        QVERIFY2(output.notes.at(1).contains(QLatin1String("from 90.0 % to 70.0 %")), qPrintable(output.notes.at(1)));
        QVERIFY2(output.notes.at(2).startsWith(QLatin1String("b: no consistent user can be moved")),
            qPrintable(output.notes.at(2)));
        QCOMPARE(output.stuckSources, (QList<qint64> { 3, 2 }));
    }

    // The planner's byte bounds agree with exact integer arithmetic, for whole and decimal
    // watermarks and capacities up to 100 TB (checked through whole plans: a source that must
    // end just below high, a destination that may fill exactly to low).
    void watermarkBounds_data()
    {
        QTest::addColumn<int>("tenths");
        QTest::addColumn<qint64>("capacity");
        for (int tenths : { 700, 800, 801, 725, 703, 899, 955 }) {
            for (qint64 capacity : { qint64(1000), qint64(1000000000000), qint64(3) * 1000000000000 + 7,
                     qint64(100) * 1000000000000, qint64(1) << 40, qint64(10) << 40 }) {
                QTest::addRow("%d/1000 of %lld", tenths, static_cast<long long>(capacity)) << tenths << capacity;
            }
        }
    }
    void watermarkBounds()
    {
        QFETCH(int, tenths);
        QFETCH(qint64, capacity);
        const double percent = tenths / 10.0;
        const qint64 below = bytesBelowTenths(tenths, capacity);
        const qint64 at = bytesAtTenths(tenths, capacity);

        // Destination: a user of exactly `at` bytes fits an empty one, one byte more does not.
        for (const qint64 extra : { qint64(0), qint64(1) }) {
            PlannerInput input;
            input.highPercent = qMin(99.9, percent + 5);
            input.lowPercent = percent;
            input.storages
                = { PlannerStorage { 1, QStringLiteral("src"), capacity, capacity, StorageState::Marked, 0, 0 },
                      PlannerStorage { 2, QStringLiteral("dst"), capacity, 0, StorageState::Online, 0, 0 } };
            input.candidates = { PlannerUser { 1, QStringLiteral("u"), 1, at + extra } };
            const PlannerOutput output = Planner::plan(input);
            QCOMPARE(output.moves.size(), extra == 0 ? 1 : 0);
        }
        // Source: the aim is clamped to high (mean above high); the planner must take the user
        // that ends strictly below high, not the smaller one that ends exactly at it.
        PlannerInput input;
        input.highPercent = percent;
        input.lowPercent = percent - 20;
        const qint64 used = capacity;
        const qint64 exactlyAtHigh = used - (below + 1);
        input.storages = { PlannerStorage { 1, QStringLiteral("src"), capacity, used, StorageState::Marked, 0, 0 },
            PlannerStorage { 2, QStringLiteral("full"), capacity * 100, capacity * 100, StorageState::Marked, 0, 0 },
            PlannerStorage { 3, QStringLiteral("dst"), capacity, 0, StorageState::Online, 0, 0 } };
        input.candidates = { PlannerUser { 1, QStringLiteral("atHigh"), 1, exactlyAtHigh },
            PlannerUser { 2, QStringLiteral("belowHigh"), 1, exactlyAtHigh + 1 } };
        const PlannerOutput output = Planner::plan(input);
        QCOMPARE(movesOf(output), QStringList { "belowHigh>dst" });
        QVERIFY(!output.stuckSources.contains(1));
    }

    // (a)-(e) over generated pools.
    void properties_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("pools");
        QTest::addColumn<int>("mix");
        QTest::addColumn<int>("maxCandidates");
        QTest::newRow("mixed, up to 40 candidates") << quint32(1) << 400 << int(KindMix::Mixed) << 40;
        QTest::newRow("balance, exact sizes (up to 16 per source)") << quint32(2) << 300 << int(KindMix::Balance) << 16;
        QTest::newRow("balance, greedy sizes") << quint32(3) << 200 << int(KindMix::Balance) << 40;
        QTest::newRow("drain") << quint32(4) << 200 << int(KindMix::Drain) << 40;
    }
    void properties()
    {
        QFETCH(quint32, seed);
        QFETCH(int, pools);
        QFETCH(int, mix);
        QFETCH(int, maxCandidates);
        QRandomGenerator rng(seed);
        qsizetype moves = 0;
        qsizetype stuck = 0;
        for (int i = 0; i < pools; ++i) {
            const GeneratedPool pool = generatePool(rng, KindMix(mix), 2, 8, maxCandidates);
            const PlannerOutput output = Planner::plan(pool.input);
            const QString wrong = violation(pool.input, output, pool.highTenths, pool.lowTenths);
            QVERIFY2(
                wrong.isEmpty(), qPrintable(QStringLiteral("pool %1: %2\n%3").arg(i).arg(wrong, describe(pool.input))));
            moves += output.moves.size();
            stuck += output.stuckSources.size();

            // (e) the same input, also with the candidates in another order, gives the same plan.
            const PlannerOutput again = Planner::plan(pool.input);
            QVERIFY2(keysOf(again) == keysOf(output) && again.notes == output.notes
                    && again.stuckSources == output.stuckSources,
                qPrintable(QStringLiteral("pool %1 planned twice differs").arg(i)));
            PlannerInput shuffled = pool.input;
            std::shuffle(shuffled.candidates.begin(), shuffled.candidates.end(), rng);
            const PlannerOutput reordered = Planner::plan(shuffled);
            QVERIFY2(keysOf(reordered) == keysOf(output) && reordered.notes == output.notes
                    && reordered.stuckSources == output.stuckSources,
                qPrintable(QStringLiteral("pool %1: shuffled candidates give another plan\n%2")
                               .arg(i)
                               .arg(describe(pool.input))));
        }
        // The generator must produce plans worth checking.
        QVERIFY2(moves > pools, qPrintable(QStringLiteral("only %1 moves in %2 pools").arg(moves).arg(pools)));
        QVERIFY2(stuck > 0, "no stuck source generated");
    }

    // (f) no ping-pong: carry the plan out, let the 80/70 rule mark what is full, plan again.
    void noPingPong_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("pools");
        QTest::addColumn<int>("mix");
        QTest::newRow("balance") << quint32(11) << 400 << int(KindMix::Balance);
        QTest::newRow("mixed") << quint32(12) << 300 << int(KindMix::Mixed);
    }
    void noPingPong()
    {
        QFETCH(quint32, seed);
        QFETCH(int, pools);
        QFETCH(int, mix);
        QRandomGenerator rng(seed);
        int replanned = 0;
        for (int i = 0; i < pools; ++i) {
            const GeneratedPool pool = generatePool(rng, KindMix(mix), 2, 8, 40);
            const PlannerOutput first = Planner::plan(pool.input);
            if (first.moves.isEmpty())
                continue;
            PlannerInput next = pool.input;
            QSet<qint64> moved;
            QSet<qint64> destinations;
            for (const PlannedMove& move : first.moves) {
                moved.insert(move.userId);
                destinations.insert(move.toStorageId);
                for (PlannerStorage& storage : next.storages) {
                    if (storage.id == move.fromStorageId)
                        storage.usedBytes -= move.bytes;
                    if (storage.id == move.toStorageId)
                        storage.usedBytes += move.bytes;
                }
                for (PlannerUser& user : next.candidates) {
                    if (user.id == move.userId)
                        user.storageId = move.toStorageId;
                }
            }
            for (PlannerStorage& storage : next.storages) {
                const bool atOrAbove = storage.capacityBytes > 0
                    && watermark::isAtOrAbove(storage.settledBytes(), storage.capacityBytes, next.highPercent);
                if (storage.state == StorageState::Marked && !atOrAbove)
                    storage.state = StorageState::Online;
                else if (storage.state == StorageState::Online && atOrAbove)
                    storage.state = StorageState::Marked;
            }
            const PlannerOutput second = Planner::plan(next);
            ++replanned;
            for (const PlannedMove& move : second.moves) {
                QVERIFY2(!moved.contains(move.userId),
                    qPrintable(QStringLiteral("pool %1: user %2 moves again\n%3")
                                   .arg(i)
                                   .arg(move.userId)
                                   .arg(describe(pool.input))));
                QVERIFY2(!destinations.contains(move.fromStorageId),
                    qPrintable(QStringLiteral("pool %1: storage %2 gives back what it took\n%3")
                                   .arg(i)
                                   .arg(move.fromStorageId)
                                   .arg(describe(pool.input))));
            }
            const QString wrong = violation(next, second, pool.highTenths, pool.lowTenths);
            QVERIFY2(wrong.isEmpty(), qPrintable(QStringLiteral("pool %1, second plan: %2").arg(i).arg(wrong)));
        }
        QVERIFY(replanned > pools / 4);
    }

    // The exact path is optimal under (deficit to the aim, bytes, users).
    void exactAgainstBruteForce_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("pools");
        QTest::addColumn<int>("maxDestinations");
        QTest::addColumn<int>("maxCandidates");
        QTest::addColumn<bool>("tight");
        QTest::newRow("1 destination") << quint32(21) << 300 << 1 << 10 << false;
        QTest::newRow("up to 2 destinations") << quint32(22) << 300 << 2 << 10 << false;
        QTest::newRow("up to 3 destinations") << quint32(23) << 300 << 3 << 10 << false;
        QTest::newRow("up to 3 destinations, tight rooms") << quint32(24) << 300 << 3 << 10 << true;
        QTest::newRow("up to 5 destinations, tight rooms") << quint32(25) << 200 << 5 << 8 << true;
    }
    void exactAgainstBruteForce()
    {
        QFETCH(quint32, seed);
        QFETCH(int, pools);
        QFETCH(int, maxDestinations);
        QFETCH(int, maxCandidates);
        QFETCH(bool, tight);
        QRandomGenerator rng(seed);
        int reachedWant = 0;
        int stuck = 0;
        int severalUsers = 0;
        for (int i = 0; i < pools; ++i) {
            const SingleSource pool
                = generateSingleSource(rng, maxDestinations, rng.bounded(0, maxCandidates + 1), tight);
            const PlannerOutput output = Planner::plan(pool.input);
            const QString wrong = violation(pool.input, output, pool.highTenths, pool.lowTenths);
            QVERIFY2(
                wrong.isEmpty(), qPrintable(QStringLiteral("pool %1: %2\n%3").arg(i).arg(wrong, describe(pool.input))));
            const Score optimum = bruteForce(pool.sizes, pool.rooms, pool.aim.want);
            const Score planned = plannerScore(pool, output);
            QVERIFY2(planned == optimum,
                qPrintable(QStringLiteral("pool %1: planned %2, optimum %3, need %4\n%5")
                               .arg(i)
                               .arg(toText(planned), toText(optimum))
                               .arg(pool.aim.need)
                               .arg(describe(pool.input))));
            // Stuck exactly when no assignment goes below high.
            const bool feasible = optimum.bytes >= pool.aim.need;
            QCOMPARE(output.stuckSources.contains(1), !feasible);
            reachedWant += optimum.deficit == 0 ? 1 : 0;
            stuck += feasible ? 0 : 1;
            severalUsers += optimum.users >= 2 ? 1 : 0;
        }
        qInfo("%d pools: aim reachable in %d, below high impossible in %d, several users packed in %d", pools,
            reachedWant, stuck, severalUsers);
        if (tight) {
            // The rooms, not the aim, bound these: most plans pack several users.
            QVERIFY(severalUsers > pools / 2);
        } else {
            // Both outcomes must be exercised.
            QVERIFY(reachedWant > pools / 10);
            QVERIFY(stuck > 0 && stuck < pools / 2);
        }
    }

    // Above exactLimit the greedy cover. On one destination the optimum is every subset; with
    // more, a lower bound pools the rooms. Bound: when the greedy reaches the aim it moves less
    // than twice the aim (a finishing user is below the aim, or the first one tried), so at most
    // twice the optimum. It may miss the aim, and even leave the source above high, when the
    // optimum does not: counted and reported, bounded below.
    void greedyAgainstOptimum_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("pools");
        QTest::addColumn<int>("maxDestinations");
        QTest::newRow("1 destination, 17-22 users") << quint32(31) << 120 << 1;
        QTest::newRow("up to 3 destinations, 17-20 users") << quint32(32) << 120 << 3;
    }
    void greedyAgainstOptimum()
    {
        QFETCH(quint32, seed);
        QFETCH(int, pools);
        QFETCH(int, maxDestinations);
        QRandomGenerator rng(seed);
        int missedWant = 0;
        int stuckButFeasible = 0;
        int exactBytes = 0;
        double worstRatio = 1.0;
        for (int i = 0; i < pools; ++i) {
            const int candidates = rng.bounded(Planner::exactLimit + 1, maxDestinations == 1 ? 23 : 21);
            const SingleSource pool = generateSingleSource(rng, maxDestinations, candidates);
            const PlannerOutput output = Planner::plan(pool.input);
            const QString wrong = violation(pool.input, output, pool.highTenths, pool.lowTenths);
            QVERIFY2(
                wrong.isEmpty(), qPrintable(QStringLiteral("pool %1: %2\n%3").arg(i).arg(wrong, describe(pool.input))));
            const Score planned = plannerScore(pool, output);
            Score optimum;
            if (pool.rooms.size() == 1) {
                optimum = subsetOptimum(pool.sizes, pool.rooms.first(), pool.aim.want);
            } else {
                const qint64 biggest
                    = pool.rooms.isEmpty() ? 0 : *std::max_element(pool.rooms.cbegin(), pool.rooms.cend());
                QList<qint64> fitting;
                for (qint64 bytes : pool.sizes) {
                    if (bytes <= biggest)
                        fitting.append(bytes);
                }
                optimum = subsetOptimum(
                    fitting, std::accumulate(pool.rooms.cbegin(), pool.rooms.cend(), qint64(0)), pool.aim.want);
            }
            QVERIFY2(!(planned < optimum),
                qPrintable(QStringLiteral("pool %1: greedy %2 beats the optimum %3")
                               .arg(i)
                               .arg(toText(planned), toText(optimum))));
            if (planned.deficit == 0) {
                QVERIFY2(planned.bytes < 2 * pool.aim.want,
                    qPrintable(QStringLiteral("pool %1: greedy moves %2 for an aim of %3\n%4")
                                   .arg(i)
                                   .arg(planned.bytes)
                                   .arg(pool.aim.want)
                                   .arg(describe(pool.input))));
                if (optimum.deficit == 0)
                    worstRatio
                        = qMax(worstRatio, static_cast<double>(planned.bytes) / static_cast<double>(optimum.bytes));
                exactBytes += planned.bytes == optimum.bytes ? 1 : 0;
            } else if (optimum.deficit == 0) {
                ++missedWant;
            }
            if (pool.rooms.size() == 1 && optimum.bytes >= pool.aim.need && planned.bytes < pool.aim.need) {
                ++stuckButFeasible;
                qInfo("pool %d: greedy %s, optimum %s, need %lld\n%s", i, qPrintable(toText(planned)),
                    qPrintable(toText(optimum)), static_cast<long long>(pool.aim.need),
                    qPrintable(describe(pool.input)));
            }
        }
        qInfo("greedy: %d pools, optimal bytes in %d, worst bytes ratio %.3f, aim missed where reachable %d, above "
              "high where avoidable %d",
            pools, exactBytes, worstRatio, missedWant, stuckButFeasible);
        QVERIFY(worstRatio < 2.0);
        // Holds for these seeds; greedyLimitation shows that it does not hold in general.
        QVERIFY2(
            stuckButFeasible == 0, "the greedy leaves a source above high where one destination could take enough");
    }

    // A limit of the greedy cover: it takes the largest user below the gap (61) and then no user
    // fits the 40 bytes left, although 50 + 51 would have fitted the 101 bytes of room and brought
    // the source below high. The exact path finds that; above exactLimit candidates, the planner
    // falls back to an exact search among the largest ones when the greedy misses high, which
    // finds it here (not always: the users it needs may all be smaller than the largest 16).
    void greedyLimitation()
    {
        QStringList users { "big:a:61", "u50:a:50", "u51:a:51" };
        for (int i = 0; i < 14; ++i)
            users.append(QStringLiteral("f%1:a:46").arg(i));
        const PlannerInput greedyInput
            = makeInput({ "a:1000:900:marked", "b:1000:599" }, users, 80.0, 70.0, JobKind::Balance);
        QVERIFY(greedyInput.candidates.size() > Planner::exactLimit);
        const PlannerInput exactInput = makeInput(
            { "a:1000:900:marked", "b:1000:599" }, users.mid(0, Planner::exactLimit), 80.0, 70.0, JobKind::Balance);
        const PlannerOutput exact = Planner::plan(exactInput);
        QCOMPARE(movesOf(exact), (QStringList { "u50>b", "u51>b" }));
        QVERIFY(exact.stuckSources.isEmpty());
        // A user too big for any room does not count towards exactLimit.
        const PlannerInput withHuge = makeInput({ "a:1000:900:marked", "b:1000:599" },
            users.mid(0, Planner::exactLimit) << QStringLiteral("huge:a:500"), 80.0, 70.0, JobKind::Balance);
        QCOMPARE(movesOf(Planner::plan(withHuge)), (QStringList { "u50>b", "u51>b" }));
        const PlannerOutput greedy = Planner::plan(greedyInput);
        QVERIFY(greedy.stuckSources.isEmpty());
        QCOMPARE(movesOf(greedy), (QStringList { "u50>b", "u51>b" }));
        // The users needed are not among the largest 16: the source stays above high.
        QStringList hidden { "big:a:61" };
        for (int i = 0; i < 16; ++i)
            hidden.append(QStringLiteral("g%1:a:55").arg(i));
        hidden << "u50:a:50"
               << "u51:a:51";
        const PlannerOutput missed
            = Planner::plan(makeInput({ "a:1000:900:marked", "b:1000:599" }, hidden, 80.0, 70.0, JobKind::Balance));
        QCOMPARE(missed.stuckSources.size(), qsizetype(1));
    }
};

QTEST_GUILESS_MAIN(TestPlanner)
#include "tst_planner.moc"
