// poolkeeper-bench plan: Planner::plan for 100,000 users on 50 storages. No standard tool plans
// user migrations, so the time is absolute, against the 1 s target. As a reference from the same
// run: std::sort of the 100,000 user sizes, and of the candidates' sizes, which is what the
// planner itself has to order. A second pool with half the storages marked makes half the users
// candidates, the heavy end of what one plan sees.

#include "balance/planner.h"
#include "benchregistry.h"
#include "benchutil.h"
#include "util/sizes.h"

#include <QRandomGenerator>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

namespace pk::bench {

namespace {

constexpr int storageCount = 50;
constexpr int userCount = 100000;
constexpr double targetSeconds = 1.0;

struct GeneratedPool
{
    PlannerInput input;
    std::vector<qint64> userSizes; // all users, candidates or not
    std::vector<qint64> candidateSizes;
};

// A pool as the scan leaves it: marked storages between 81 and 95 %, one offline, the rest between
// 20 and 65 %; user sizes log-normal around 2 GiB, clamped to [1 MiB, 50 GiB]; 95 % of the users
// on marked storages consistent (candidates); six moves in flight with their reservations.
GeneratedPool generatePool(int markedCount, quint32 seed)
{
    QRandomGenerator rng(seed);
    GeneratedPool pool;
    PlannerInput& input = pool.input;
    input.highPercent = 80.0;
    input.lowPercent = 70.0;
    for (int i = 0; i < storageCount; ++i) {
        PlannerStorage storage;
        storage.id = i + 1;
        storage.name = QStringLiteral("storage-%1").arg(storage.id, 2, 10, QLatin1Char('0'));
        storage.state = i < markedCount ? StorageState::Marked
            : i == markedCount          ? StorageState::Offline
                                        : StorageState::Online;
        input.storages.append(storage);
    }
    std::vector<PlannerUser> users;
    users.reserve(userCount);
    const double mu = std::log(2.0 * 1024 * 1024 * 1024);
    const double sigma = 1.6;
    for (int i = 0; i < userCount; ++i) {
        // Box-Muller from two uniforms.
        const double u1 = 1.0 - rng.generateDouble();
        const double u2 = rng.generateDouble();
        const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
        const qint64 bytes
            = std::clamp<qint64>(std::llround(std::exp(mu + sigma * normal)), qint64(1) << 20, qint64(50) << 30);
        const qint64 storageId = rng.bounded(storageCount) + 1;
        users.push_back({ i + 1, QStringLiteral("user-%1").arg(i + 1), storageId, bytes });
        pool.userSizes.push_back(bytes);
        input.storages[storageId - 1].usedBytes += bytes;
    }
    for (PlannerStorage& storage : input.storages) {
        const double percent = storage.state == StorageState::Marked ? 81.0 + 14.0 * rng.generateDouble()
                                                                     : 20.0 + 45.0 * rng.generateDouble();
        storage.capacityBytes = static_cast<qint64>(static_cast<double>(storage.usedBytes) * 100.0 / percent);
    }
    // Six moves in flight, out of marked storages into online ones, half copied: the source still
    // counts them in its used bytes, the destination holds a reservation for the rest.
    QSet<qint64> moving;
    for (const PlannerUser& user : users) {
        PlannerStorage& from = input.storages[user.storageId - 1];
        if (from.state != StorageState::Marked || moving.size() == 6)
            continue;
        PlannerStorage& to = input.storages[markedCount + 1 + moving.size()];
        from.outgoingBytes += user.bytes;
        to.usedBytes += user.bytes / 2;
        to.incomingReserved += user.bytes - user.bytes / 2;
        moving.insert(user.id);
    }
    for (const PlannerUser& user : users) {
        if (input.storages.at(user.storageId - 1).state == StorageState::Marked && !moving.contains(user.id)
            && rng.bounded(20) != 0) {
            input.candidates.append(user);
            pool.candidateSizes.push_back(user.bytes);
        }
    }
    return pool;
}

// printRow's layout, in milliseconds: a plan takes a few of them.
void printMilliseconds(const QString& label, double seconds, double baselineSeconds = 0)
{
    QString line = QStringLiteral("  %1 %2 ms").arg(label, -36).arg(seconds * 1000.0, 9, 'f', 3);
    if (baselineSeconds > 0)
        line += QStringLiteral("  ratio %1x").arg(seconds / baselineSeconds, 0, 'f', 2);
    std::printf("%s\n", qPrintable(line));
}

double sortSeconds(int repeats, const std::vector<qint64>& values)
{
    std::vector<qint64> sorted;
    return medianSeconds(
        repeats, [&] { sorted = values; }, [&] { std::sort(sorted.begin(), sorted.end()); });
}

void runScenario(const Options& options, int markedCount)
{
    const GeneratedPool pool = generatePool(markedCount, 42);
    const PlannerInput& input = pool.input;
    qint64 poolBytes = 0;
    for (const PlannerStorage& storage : input.storages)
        poolBytes += storage.usedBytes;
    printHeader(QStringLiteral("poolkeeper-bench plan: %1 users (%2) on %3 storages, %4 marked, %5 candidates")
                    .arg(userCount)
                    .arg(formatBytes(poolBytes))
                    .arg(storageCount)
                    .arg(markedCount)
                    .arg(input.candidates.size()));
    std::printf("  median of %d warm runs each\n", options.repeats);

    const double sortAll = sortSeconds(options.repeats, pool.userSizes);
    const double sortCandidates = sortSeconds(options.repeats, pool.candidateSizes);
    printMilliseconds(QStringLiteral("std::sort of %1 user sizes").arg(pool.userSizes.size()), sortAll);
    printMilliseconds(
        QStringLiteral("std::sort of %1 candidate sizes").arg(pool.candidateSizes.size()), sortCandidates);

    PlannerOutput output = Planner::plan(input); // warm
    const double planSeconds = medianSeconds(options.repeats, nullptr, [&] { output = Planner::plan(input); });
    printMilliseconds(QStringLiteral("Planner::plan vs sort of all"), planSeconds, sortAll);
    printMilliseconds(QStringLiteral("Planner::plan vs sort of candidates"), planSeconds, sortCandidates);

    int sources = 0;
    int belowHigh = 0;
    for (qsizetype i = 0; i < input.storages.size(); ++i) {
        if (input.storages.at(i).state != StorageState::Marked)
            continue;
        ++sources;
        belowHigh += output.projected.at(i).percentAfter() < input.highPercent ? 1 : 0;
    }
    std::printf("  plan: %lld moves, %s; %d of %d marked storages end below high (%s)\n",
        static_cast<long long>(output.moves.size()), qPrintable(formatBytes(output.bytesMoved())), belowHigh, sources,
        belowHigh == sources ? "all" : "NOT all");
    std::printf("  target < %.0f s: %s\n", targetSeconds, planSeconds < targetSeconds ? "met" : "MISSED");
    std::fflush(stdout);
}

} // namespace

int runPlanBenchmark(const Options& options)
{
    runScenario(options, 6);
    runScenario(options, storageCount / 2);
    return 0;
}

static pk::bench::BenchmarkRegistration registration( // clazy:exclude=non-pod-global-static
    QStringLiteral("plan"), runPlanBenchmark);

} // namespace pk::bench
