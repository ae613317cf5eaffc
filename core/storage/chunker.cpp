#include "chunker.h"

#include <algorithm>
#include <array>
#include <bit>

namespace pk {

namespace {

// Gear table from a fixed seed: chunk boundaries must never change between versions, or the
// next backup after an upgrade would store everything again.
constexpr std::array<std::uint64_t, 256> makeGearTable()
{
    std::array<std::uint64_t, 256> table {};
    std::uint64_t state = 0x506f6f6c6b656570ull; // "Poolkeep"
    for (auto& value : table) {
        state += 0x9e3779b97f4a7c15ull; // splitmix64
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        value = z ^ (z >> 31);
    }
    return table;
}

constexpr std::array<std::uint64_t, 256> gearTable = makeGearTable();

// The gear hash shifts left, so its high bits depend on the last 64 bytes; masks use them.
constexpr std::uint64_t highBitsMask(int bits)
{
    return bits <= 0 ? 0 : (~std::uint64_t(0)) << (64 - bits);
}

} // namespace

Chunker::Chunker()
    : Chunker(Params {})
{ }

Chunker::Chunker(Params params)
    : m_params(params)
{
    m_params.maxSize = std::min(std::max(m_params.maxSize, size_t(64)), maxChunkSize);
    m_params.minSize = std::min(m_params.minSize, m_params.maxSize);
    m_params.averageSize = std::clamp(m_params.averageSize, m_params.minSize, m_params.maxSize);
    const int averageBits = static_cast<int>(std::bit_width(std::max<size_t>(m_params.averageSize, 2))) - 1;
    m_maskStrict = highBitsMask(averageBits + 2);
    m_maskLoose = highBitsMask(averageBits - 2);
}

size_t Chunker::nextCut(const std::uint8_t* data, size_t size) const
{
    if (size <= m_params.minSize)
        return size;
    const size_t end = std::min(size, m_params.maxSize);
    const size_t normal = std::min(end, m_params.averageSize);
    std::uint64_t hash = 0;
    size_t i = m_params.minSize;
    for (; i < normal; ++i) {
        hash = (hash << 1) + gearTable[data[i]];
        if (!(hash & m_maskStrict))
            return i + 1;
    }
    for (; i < end; ++i) {
        hash = (hash << 1) + gearTable[data[i]];
        if (!(hash & m_maskLoose))
            return i + 1;
    }
    return end;
}

} // namespace pk
