#include "planner.h"

#include "util/sizes.h"
#include "watermark.h"

#include <QHash>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

namespace pk {

namespace {

struct Destination
{
    qint64 id = 0;
    qint64 room = 0; // bytes it may still take
};

// Lower is better: how far short of the aim, then bytes, then users.
struct Score
{
    qint64 deficit = std::numeric_limits<qint64>::max();
    qint64 bytes = std::numeric_limits<qint64>::max();
    qsizetype users = std::numeric_limits<qsizetype>::max();
    friend bool operator<(const Score& a, const Score& b)
    {
        return std::tie(a.deficit, a.bytes, a.users) < std::tie(b.deficit, b.bytes, b.users);
    }
};

Score scoreOf(qint64 sum, qsizetype users, qint64 want)
{
    return { qMax<qint64>(0, want - sum), sum, users };
}

// Worst fit, biggest user first: each goes where most room is left, which spreads the load
// towards the mean. Returns the destination per item (same order) or an empty list.
QList<qint64> packWorstFit(const QList<const PlannerUser*>& items, QList<Destination> destinations)
{
    QList<const PlannerUser*> sorted = items;
    std::stable_sort(
        sorted.begin(), sorted.end(), [](const PlannerUser* a, const PlannerUser* b) { return a->bytes > b->bytes; });
    QHash<qint64, qint64> assignment;
    for (const PlannerUser* user : sorted) {
        auto best = std::max_element(
            destinations.begin(), destinations.end(), [](const Destination& a, const Destination& b) {
                return a.room < b.room || (a.room == b.room && a.id > b.id);
            });
        if (best == destinations.end() || best->room < user->bytes)
            return {};
        best->room -= user->bytes;
        assignment.insert(user->id, best->id);
    }
    QList<qint64> result;
    for (const PlannerUser* user : items)
        result.append(assignment.value(user->id));
    return result;
}

// Which subsets of at most exactLimit users fit the rooms, all at once: searching each subset that
// worst fit cannot place took over 3 minutes for 16 users on 8 destinations. The rooms are filled
// in a fixed order; state[mask] is the best (room being filled, bytes in it) that holds exactly
// those users, an earlier room first, then the emptier one. Any packing can be built in that order
// and a better state can continue every way a worse one can, so a subset fits if and only if it
// has a state. O(2^n * n * rooms), and only computed when worst fit fails.
class SubsetPacking
{
public:
    SubsetPacking(const QList<const PlannerUser*>& candidates, const QList<Destination>& destinations)
        : m_candidates(candidates)
        , m_destinations(destinations)
        , m_room(size_t(1) << candidates.size(), -1)
        , m_fill(size_t(1) << candidates.size(), 0)
        , m_last(size_t(1) << candidates.size(), -1)
    {
        const int n = static_cast<int>(candidates.size());
        if (destinations.isEmpty())
            return;
        m_room[0] = 0;
        for (quint32 mask = 0; mask < (quint32(1) << n); ++mask) {
            if (m_room[mask] < 0)
                continue;
            for (int i = 0; i < n; ++i) {
                if (mask & (quint32(1) << i))
                    continue;
                const auto [room, fill] = add(m_room[mask], m_fill[mask], candidates.at(i)->bytes);
                const quint32 next = mask | (quint32(1) << i);
                if (room >= 0 && (m_room[next] < 0 || std::pair(room, fill) < std::pair(m_room[next], m_fill[next]))) {
                    m_room[next] = room;
                    m_fill[next] = fill;
                    m_last[next] = static_cast<qint8>(i);
                }
            }
        }
    }

    bool fits(quint32 mask) const { return m_room[mask] >= 0; }

    // The destination of every user in mask, in candidate order.
    QList<qint64> assignment(quint32 mask) const
    {
        QList<int> order;
        for (quint32 m = mask; m != 0; m &= ~(quint32(1) << m_last[m]))
            order.prepend(m_last[m]);
        QHash<int, qint64> destination;
        qint32 room = 0;
        qint64 fill = 0;
        for (int i : std::as_const(order)) {
            std::tie(room, fill) = add(room, fill, m_candidates.at(i)->bytes);
            destination.insert(i, m_destinations.at(room).id);
        }
        QList<qint64> result;
        for (int i = 0; i < m_candidates.size(); ++i) {
            if (mask & (quint32(1) << i))
                result.append(destination.value(i));
        }
        return result;
    }

private:
    // Into the room being filled, else into the next room that can take it.
    std::pair<qint32, qint64> add(qint32 room, qint64 fill, qint64 bytes) const
    {
        if (fill + bytes <= m_destinations.at(room).room)
            return { room, fill + bytes };
        for (qint32 next = room + 1; next < m_destinations.size(); ++next) {
            if (bytes <= m_destinations.at(next).room)
                return { next, bytes };
        }
        return { -1, 0 };
    }

    const QList<const PlannerUser*>& m_candidates;
    const QList<Destination>& m_destinations;
    std::vector<qint32> m_room; // -1: the users of this mask do not fit
    std::vector<qint64> m_fill;
    std::vector<qint8> m_last; // the user added last, to rebuild the packing
};

struct Selection
{
    QList<const PlannerUser*> users;
    QList<qint64> destinations;
    qint64 bytes = 0;
};

// Every subset, best score first, until one packs: by worst fit, else as SubsetPacking finds.
Selection selectExact(const QList<const PlannerUser*>& candidates, const QList<Destination>& destinations, qint64 want)
{
    const int n = static_cast<int>(candidates.size());
    struct Subset
    {
        quint32 mask;
        Score score;
    };
    std::vector<Subset> subsets;
    subsets.reserve(size_t(1) << n);
    qint64 totalRoom = 0;
    for (const Destination& d : destinations)
        totalRoom += d.room;
    for (quint32 mask = 1; mask < (quint32(1) << n); ++mask) {
        qint64 sum = 0;
        for (int i = 0; i < n; ++i) {
            if (mask & (quint32(1) << i))
                sum += candidates.at(i)->bytes;
        }
        if (sum > totalRoom)
            continue;
        subsets.push_back({ mask, scoreOf(sum, std::popcount(mask), want) });
    }
    // Ties broken by the mask: candidates are sorted, so this is deterministic.
    std::sort(subsets.begin(), subsets.end(), [](const Subset& a, const Subset& b) {
        return a.score < b.score || (!(b.score < a.score) && a.mask < b.mask);
    });
    std::optional<SubsetPacking> packing;
    for (const Subset& subset : subsets) {
        QList<const PlannerUser*> users;
        for (int i = 0; i < n; ++i) {
            if (subset.mask & (quint32(1) << i))
                users.append(candidates.at(i));
        }
        QList<qint64> assignment = packWorstFit(users, destinations);
        if (assignment.isEmpty()) {
            if (!packing)
                packing.emplace(candidates, destinations);
            if (!packing->fits(subset.mask))
                continue;
            assignment = packing->assignment(subset.mask);
        }
        return { users, assignment, subset.score.bytes };
    }
    return {};
}

// Greedy cover: repeatedly either finish with the smallest user that closes the gap, or take the
// largest user below the gap; keep the best finish seen. Rooms only shrink, so a user that fits
// nowhere now never will.
Selection selectGreedy(const QList<const PlannerUser*>& candidates, QList<Destination> destinations, qint64 want)
{
    std::set<std::pair<qint64, qsizetype>> pool; // (bytes, index into candidates)
    for (qsizetype i = 0; i < candidates.size(); ++i)
        pool.insert({ candidates.at(i)->bytes, i });
    auto maxRoom = [&]() -> Destination* {
        auto best = std::max_element(
            destinations.begin(), destinations.end(), [](const Destination& a, const Destination& b) {
                return a.room < b.room || (a.room == b.room && a.id > b.id);
            });
        return best == destinations.end() ? nullptr : &*best;
    };

    Selection taken;
    Selection best;
    Score bestScore = scoreOf(0, 0, want);
    bool bestIsTaken = true;
    while (!pool.empty()) {
        Destination* room = maxRoom();
        if (!room || room->room <= 0)
            break;
        const qint64 remaining = want - taken.bytes;
        if (remaining <= 0)
            break;
        // Finishing option: the smallest user >= remaining that fits.
        auto finish = pool.lower_bound({ remaining, -1 });
        if (finish != pool.end() && finish->first <= room->room) {
            const Score score = scoreOf(taken.bytes + finish->first, taken.users.size() + 1, want);
            if (score < bestScore) {
                bestScore = score;
                best = taken;
                best.users.append(candidates.at(finish->second));
                best.destinations.append(room->id);
                best.bytes += finish->first;
                bestIsTaken = false;
            }
        }
        // Continuing option: the largest user below remaining that fits.
        const qint64 limit = qMin(remaining - 1, room->room);
        auto next = pool.upper_bound({ limit, std::numeric_limits<qsizetype>::max() });
        if (next == pool.begin())
            break;
        --next;
        const qsizetype index = next->second;
        pool.erase(next);
        room->room -= candidates.at(index)->bytes;
        taken.users.append(candidates.at(index));
        taken.destinations.append(room->id);
        taken.bytes += candidates.at(index)->bytes;
        const Score score = scoreOf(taken.bytes, taken.users.size(), want);
        if (score < bestScore) {
            bestScore = score;
            bestIsTaken = true;
        }
    }
    return bestIsTaken ? taken : best;
}

double percentOf(qint64 used, qint64 capacity)
{
    return capacity > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(capacity) : 0.0;
}

} // namespace

qint64 PlannerOutput::bytesMoved() const
{
    qint64 total = 0;
    for (const PlannedMove& move : moves)
        total += move.bytes;
    return total;
}

PlannerOutput Planner::plan(const PlannerInput& input)
{
    PlannerOutput output;
    QHash<qint64, qint64> settled; // storage id -> settled bytes as the plan goes
    QHash<qint64, const PlannerStorage*> byId;
    qint64 poolUsed = 0;
    qint64 poolCapacity = 0;
    for (const PlannerStorage& storage : input.storages) {
        settled.insert(storage.id, storage.settledBytes());
        byId.insert(storage.id, &storage);
        if (storage.state != StorageState::Offline && storage.state != StorageState::Draining
            && storage.capacityBytes > 0) {
            poolUsed += storage.settledBytes();
            poolCapacity += storage.capacityBytes;
        }
    }
    const double meanPercent = percentOf(poolUsed, poolCapacity);
    const bool drain = input.kind == JobKind::Drain;

    // Sources, fullest first; ties by id for determinism.
    QList<const PlannerStorage*> sources;
    for (const PlannerStorage& storage : input.storages) {
        const bool isSource = drain ? storage.state == StorageState::Draining
                                    : storage.state == StorageState::Marked
                && watermark::isAtOrAbove(storage.settledBytes(), storage.capacityBytes, input.highPercent);
        if (isSource && storage.capacityBytes > 0)
            sources.append(&storage);
    }
    std::sort(sources.begin(), sources.end(), [](const PlannerStorage* a, const PlannerStorage* b) {
        const double pa = percentOf(a->settledBytes(), a->capacityBytes);
        const double pb = percentOf(b->settledBytes(), b->capacityBytes);
        return pa > pb || (pa == pb && a->id < b->id);
    });

    QHash<qint64, QList<const PlannerUser*>> candidatesBySource;
    for (const PlannerUser& user : input.candidates) {
        if (user.bytes >= 0)
            candidatesBySource[user.storageId].append(&user);
    }

    for (const PlannerStorage* source : std::as_const(sources)) {
        const qint64 used = settled.value(source->id);
        qint64 want = used;
        qint64 need = used;
        if (!drain) {
            const double aimPercent = std::clamp(meanPercent, input.lowPercent, input.highPercent);
            need = qMax<qint64>(1, used - watermark::bytesBelow(input.highPercent, source->capacityBytes));
            // Aim at the mean, but at least below high.
            want = qMax(need, used - watermark::bytesAt(aimPercent, source->capacityBytes));
        }
        QList<Destination> destinations;
        for (const PlannerStorage& storage : input.storages) {
            if (storage.id == source->id || storage.state != StorageState::Online || storage.capacityBytes <= 0)
                continue;
            // Drained users may fill destinations up to just below high; balancing stops at low.
            const qint64 ceiling = drain ? watermark::bytesBelow(input.highPercent, storage.capacityBytes)
                                         : watermark::bytesAt(input.lowPercent, storage.capacityBytes);
            const qint64 room = ceiling - settled.value(storage.id);
            if (room > 0)
                destinations.append({ storage.id, room });
        }
        QList<const PlannerUser*> candidates = candidatesBySource.value(source->id);
        std::sort(candidates.begin(), candidates.end(), [](const PlannerUser* a, const PlannerUser* b) {
            return a->bytes > b->bytes || (a->bytes == b->bytes && a->id < b->id);
        });
        // A user bigger than every destination's room can never move now. An empty one frees
        // nothing: balancing would only add a job for it (draining still moves it).
        qint64 biggestRoom = 0;
        for (const Destination& d : destinations)
            biggestRoom = qMax(biggestRoom, d.room);
        candidates.removeIf([&](const PlannerUser* u) { return u->bytes > biggestRoom || (!drain && u->bytes == 0); });

        Selection selection;
        if (drain) {
            // Everything must go; pack what fits, biggest first.
            QList<Destination> rooms = destinations;
            for (const PlannerUser* user : std::as_const(candidates)) {
                auto best
                    = std::max_element(rooms.begin(), rooms.end(), [](const Destination& a, const Destination& b) {
                          return a.room < b.room || (a.room == b.room && a.id > b.id);
                      });
                if (best == rooms.end() || best->room < user->bytes)
                    continue;
                best->room -= user->bytes;
                selection.users.append(user);
                selection.destinations.append(best->id);
                selection.bytes += user->bytes;
            }
        } else if (candidates.size() <= exactLimit) {
            selection = selectExact(candidates, destinations, want);
        } else {
            selection = selectGreedy(candidates, destinations, want);
            if (selection.bytes < need) {
                // The greedy cover can miss a packing that exists (it commits to the largest user
                // below the gap): search exactly among the largest users, which free the most per job.
                Selection exact = selectExact(candidates.mid(0, exactLimit), destinations, want);
                if (exact.bytes > selection.bytes)
                    selection = std::move(exact);
            }
        }

        for (qsizetype i = 0; i < selection.users.size(); ++i) {
            const PlannerUser* user = selection.users.at(i);
            const qint64 to = selection.destinations.at(i);
            PlannedMove move;
            move.userId = user->id;
            move.userName = user->name;
            move.fromStorageId = source->id;
            move.fromName = source->name;
            move.toStorageId = to;
            move.toName = byId.value(to)->name;
            move.bytes = user->bytes;
            output.moves.append(move);
            settled[source->id] -= user->bytes;
            settled[to] += user->bytes;
        }

        const double before = percentOf(used, source->capacityBytes);
        const double after = percentOf(settled.value(source->id), source->capacityBytes);
        const QString moved
            = QStringLiteral("%1 users (%2)").arg(selection.users.size()).arg(formatBytes(selection.bytes));
        if (drain) {
            const qsizetype left = candidatesBySource.value(source->id).size() - selection.users.size();
            if (left > 0) {
                output.stuckSources.append(source->id);
                output.notes.append(QStringLiteral(
                    "%1: %2 users cannot be placed: the other storages have no room below the high watermark")
                                        .arg(source->name)
                                        .arg(left));
            } else {
                output.notes.append(QStringLiteral("%1: moving all %2 off the storage").arg(source->name, moved));
            }
        } else if (selection.users.isEmpty()) {
            output.stuckSources.append(source->id);
            output.notes.append(candidatesBySource.value(source->id).isEmpty()
                    ? QStringLiteral("%1: no consistent user can be moved").arg(source->name)
                    : QStringLiteral(
                        "%1: no destination can take any of its movable users without passing the low watermark")
                          .arg(source->name));
        } else if (after >= input.highPercent) {
            output.stuckSources.append(source->id);
            output.notes.append(QStringLiteral("%1: moving %2 brings it from %3 % to %4 %, still above the high "
                                               "watermark: the destinations have no more room")
                                    .arg(source->name, moved)
                                    .arg(before, 0, 'f', 1)
                                    .arg(after, 0, 'f', 1));
        } else {
            output.notes.append(QStringLiteral("%1: moving %2 brings it from %3 % to %4 %")
                                    .arg(source->name, moved)
                                    .arg(before, 0, 'f', 1)
                                    .arg(after, 0, 'f', 1));
        }
    }

    for (const PlannerStorage& storage : input.storages) {
        ProjectedUsage usage;
        usage.storageId = storage.id;
        usage.storageName = storage.name;
        usage.capacityBytes = storage.capacityBytes;
        usage.usedBefore = storage.usedBytes;
        usage.usedAfter = settled.value(storage.id);
        output.projected.append(usage);
    }
    return output;
}

} // namespace pk
