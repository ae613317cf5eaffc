#pragma once

// The row order of several storages' logs merged by time, about one byte per row, with O(1)
// row -> (storage, line) lookup.

#include <QtGlobal>

#include <vector>

namespace pk {

// One byte per row says which source it comes from; every 128 rows a checkpoint holds how many
// lines of each source came before, so a lookup counts over at most 127 bytes.
class MergedOrder
{
public:
    static constexpr int maxSources = 256;
    static constexpr int checkpointRows = 128;

    struct Location
    {
        int source = -1;
        qint64 line = -1;
    };

    explicit MergedOrder(int sources = 1) { reset(sources); }
    void reset(int sources);

    void append(int source);
    qint64 size() const { return qint64(m_order.size()); }
    int sourceCount() const { return m_sources; }
    Location at(qint64 row) const;
    int sourceAt(qint64 row) const { return m_order[std::size_t(row)]; }
    // Lines of each source in rows [0, row).
    std::vector<qint64> countsBefore(qint64 row) const;
    qint64 memoryBytes() const;

private:
    int m_sources = 1;
    std::vector<quint8> m_order;
    std::vector<qint64> m_checkpoints; // m_sources counts per checkpoint
    std::vector<qint64> m_counts; // lines of each source appended so far
};

} // namespace pk
