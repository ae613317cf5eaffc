#include "consistencychecker.h"

#include "util/failpoint.h"
#include "util/parallelfor.h"
#include "util/posixio.h"

#include <mutex>

namespace pk {

ConsistencyChecker::ConsistencyChecker(UserStore store)
    : m_store(std::move(store))
{ }

Result<ConsistencyReport> ConsistencyChecker::run()
{
    ConsistencyReport report;
    m_chunks.clear();
    auto addProblem = [&report](const QString& problem) {
        if (report.problems.size() < maxProblems)
            report.problems.append(problem);
        else if (report.problems.size() == maxProblems)
            report.problems.append(QStringLiteral("... more problems were found and not listed"));
    };
    if (!m_store.exists()) {
        addProblem(QStringLiteral("the user's directory '%1' is missing").arg(m_store.dir()));
        return report;
    }
    if (auto identity = m_store.readIdentity(); !identity)
        addProblem(identity.message());

    QStringList ids;
    if (m_only) {
        ids = *m_only;
    } else {
        auto listed = m_store.snapshotIds();
        if (!listed) {
            addProblem(listed.message());
            return report;
        }
        ids = *listed;
    }
    // Which snapshot and file first refer to each chunk, for the messages.
    QHash<Digest, QString> firstUse;
    for (const QString& id : std::as_const(ids)) {
        if (m_stop && m_stop->load())
            return failed(QStringLiteral("consistency check stopped"));
        auto manifest = m_store.readManifest(id);
        if (!manifest) {
            addProblem(QStringLiteral("snapshot %1: %2").arg(id, manifest.message()));
            continue;
        }
        ++report.snapshots;
        for (const ManifestEntry& entry : std::as_const(manifest->entries)) {
            for (const ChunkRef& chunk : entry.chunks) {
                auto it = m_chunks.constFind(chunk.hash);
                if (it == m_chunks.constEnd()) {
                    m_chunks.insert(chunk.hash, chunk.size);
                    firstUse.insert(
                        chunk.hash, QStringLiteral("snapshot %1, file '%2'").arg(id, displayPath(entry.path)));
                } else if (*it != chunk.size) {
                    addProblem(QStringLiteral("snapshot %1, file '%2': chunk %3 is listed with two different sizes")
                                   .arg(id, displayPath(entry.path), chunk.hash.hex()));
                }
            }
        }
    }

    QList<ChunkRef> work;
    work.reserve(m_chunks.size());
    qint64 totalBytes = 0;
    for (auto it = m_chunks.cbegin(); it != m_chunks.cend(); ++it) {
        if (m_skip && m_skip->contains(it.key()))
            continue;
        work.append({ it.key(), it.value() });
        totalBytes += it.value();
    }
    report.chunks = m_chunks.size();

    std::mutex mutex; // guards bad and badReasons
    std::atomic<qint64> bytesDone { 0 };
    QList<ChunkRef> bad;
    QStringList badReasons;
    ParallelFor pool({ m_deep ? m_workers : 1, m_stop, std::chrono::milliseconds(200) });
    const Status ran = pool.run(
        work.size(),
        [&](qint64 index, int) -> Status {
            const ChunkRef& chunk = work.at(index);
            QString problem;
            if (m_deep) {
                // Hashed from a read-only mapping: no copy into a buffer first.
                if (auto mapped = m_store.mapChunk(chunk, true); !mapped)
                    problem = mapped.message();
            } else if (auto checked = m_store.checkChunk(chunk); !checked) {
                problem = checked.message();
            }
            bytesDone += chunk.size;
            failpoint("verify-chunk");
            if (!problem.isEmpty()) {
                std::lock_guard lock(mutex);
                bad.append(chunk);
                badReasons.append(problem);
            }
            return {}; // a problem is in the data, not in the check: go on
        },
        [&]() -> Status {
            if (m_progress)
                m_progress(bytesDone.load(), totalBytes);
            return {};
        });
    if (!ran)
        return ran.error();
    if (m_stop && m_stop->load())
        return failed(QStringLiteral("consistency check stopped"));
    // Every snapshot that depends on a bad chunk is named: a damaged chunk that later backups
    // deduplicated against spoils all of them. Found by a second pass, only when something is bad.
    QHash<Digest, QStringList> dependents;
    if (!bad.isEmpty()) {
        QSet<Digest> badHashes;
        for (const ChunkRef& chunk : std::as_const(bad))
            badHashes.insert(chunk.hash);
        for (const QString& id : std::as_const(ids)) {
            auto manifest = m_store.readManifest(id);
            if (!manifest)
                continue;
            QSet<Digest> inThisSnapshot;
            for (const ManifestEntry& entry : std::as_const(manifest->entries)) {
                for (const ChunkRef& chunk : entry.chunks) {
                    if (badHashes.contains(chunk.hash) && !inThisSnapshot.contains(chunk.hash)) {
                        inThisSnapshot.insert(chunk.hash);
                        dependents[chunk.hash].append(id);
                    }
                }
            }
        }
    }
    for (qsizetype i = 0; i < bad.size(); ++i) {
        const QStringList snapshots = dependents.value(bad.at(i).hash);
        addProblem(QStringLiteral("%1 (used by %2; %3 %4 depend on it: %5)")
                       .arg(badReasons.at(i), firstUse.value(bad.at(i).hash))
                       .arg(snapshots.size())
                       .arg(snapshots.size() == 1 ? QStringLiteral("snapshot") : QStringLiteral("snapshots"),
                           snapshots.join(QStringLiteral(", "))));
    }
    report.bytes = totalBytes;
    if (m_progress)
        m_progress(totalBytes, totalBytes);
    return report;
}

} // namespace pk
