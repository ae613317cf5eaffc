#include "mergedorder.h"

namespace pk {

void MergedOrder::reset(int sources)
{
    Q_ASSERT(sources >= 1 && sources <= maxSources);
    m_sources = sources;
    m_order.clear();
    m_order.shrink_to_fit();
    m_checkpoints.clear();
    m_checkpoints.shrink_to_fit();
    m_counts.assign(std::size_t(sources), 0);
}

namespace {

// Grows by an eighth instead of doubling: still amortised O(1), but at most 12 % slack.
template<typename T> void reserveFor(std::vector<T>& vector, std::size_t more)
{
    if (vector.size() + more > vector.capacity())
        vector.reserve(vector.size() + more + qMax<std::size_t>(4096, vector.size() / 8));
}

} // namespace

void MergedOrder::append(int source)
{
    Q_ASSERT(source >= 0 && source < m_sources);
    if (m_order.size() % checkpointRows == 0) {
        reserveFor(m_checkpoints, m_counts.size());
        m_checkpoints.insert(m_checkpoints.end(), m_counts.begin(), m_counts.end());
    }
    reserveFor(m_order, 1);
    m_order.push_back(quint8(source));
    ++m_counts[std::size_t(source)];
}

MergedOrder::Location MergedOrder::at(qint64 row) const
{
    if (row < 0 || row >= size())
        return {};
    const auto checkpoint = std::size_t(row / checkpointRows);
    const quint8 source = m_order[std::size_t(row)];
    qint64 line = m_checkpoints[checkpoint * std::size_t(m_sources) + source];
    const quint8* p = m_order.data() + checkpoint * checkpointRows;
    const quint8* end = m_order.data() + row;
    for (; p < end; ++p)
        line += *p == source;
    return { source, line };
}

std::vector<qint64> MergedOrder::countsBefore(qint64 row) const
{
    row = qBound<qint64>(0, row, size());
    if (row == size())
        return m_counts;
    const auto checkpoint = std::size_t(row / checkpointRows);
    std::vector<qint64> counts(m_checkpoints.begin() + std::ptrdiff_t(checkpoint * std::size_t(m_sources)),
        m_checkpoints.begin() + std::ptrdiff_t((checkpoint + 1) * std::size_t(m_sources)));
    for (qint64 r = qint64(checkpoint) * checkpointRows; r < row; ++r)
        ++counts[m_order[std::size_t(r)]];
    return counts;
}

qint64 MergedOrder::memoryBytes() const
{
    return qint64(m_order.capacity())
        + (qint64(m_checkpoints.capacity()) + qint64(m_counts.capacity())) * qint64(sizeof(qint64));
}

} // namespace pk
