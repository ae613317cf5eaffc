#pragma once

// Checks a user's store: every manifest parses, every chunk it refers to exists with the right
// size and, in deep mode, the right SHA-256 (hashed on every core). Used by `verify`, by the
// scan that decides which users may move, and to check a migrated copy before the switch.

#include "userstore.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <atomic>
#include <functional>

namespace pk {

struct ConsistencyReport
{
    QStringList problems;
    int snapshots = 0;
    qint64 chunks = 0;
    qint64 bytes = 0; // of distinct chunks
    bool consistent() const { return problems.isEmpty(); }
};

class ConsistencyChecker
{
public:
    explicit ConsistencyChecker(UserStore store);

    void setDeep(bool deep) { m_deep = deep; }
    // Checks only these snapshots (a migration's final catch-up); default: all of them.
    void setSnapshots(const QStringList& ids) { m_only = ids; }
    // Chunks known to be good already (checked earlier in the same migration) are skipped.
    void setSkipChunks(const QSet<Digest>* verified) { m_skip = verified; }
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }
    void setWorkerCount(int workers) { m_workers = workers; }
    void setProgressHandler(std::function<void(qint64 bytesDone, qint64 bytesTotal)> handler)
    {
        m_progress = std::move(handler);
    }

    // An error only when the check could not run at all (stopped); problems in the data are in
    // the report.
    Result<ConsistencyReport> run();
    // The distinct chunks the checked snapshots refer to (filled by run()).
    const QHash<Digest, quint32>& chunks() const { return m_chunks; }

    static constexpr int maxProblems = 1000;

private:
    UserStore m_store;
    bool m_deep = false;
    std::optional<QStringList> m_only;
    const QSet<Digest>* m_skip = nullptr;
    const std::atomic<bool>* m_stop = nullptr;
    int m_workers = 0;
    std::function<void(qint64, qint64)> m_progress;
    QHash<Digest, quint32> m_chunks;
};

} // namespace pk
