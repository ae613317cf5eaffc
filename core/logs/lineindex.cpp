#include "lineindex.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pk {

namespace {

constexpr int pageBlocks = 16; // 1024 lines, about 3 KiB: small logs stay small
constexpr qsizetype slotBytes = qsizetype(LineIndex::blockLines - 1) * 3;
constexpr quint64 narrowLimit = quint64(1) << 24;
constexpr quint64 wideLimit = quint64(1) << 32;
constexpr int kindShift = 62;
constexpr quint64 baseMask = LineIndex::maxOffset;

inline quint32 readU32(const uchar* p)
{
    quint32 value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

inline void writeU32(uchar* p, quint32 value)
{
    std::memcpy(p, &value, sizeof value);
}

} // namespace

struct LineIndex::Page
{
    quint64 header[pageBlocks]; // base offset | kind << 62
    uchar slotData[pageBlocks * slotBytes]; // narrow: 24-bit offsets; wide/huge: arena block number
};

LineIndex::LineIndex() = default;
LineIndex::~LineIndex() = default;
LineIndex::LineIndex(LineIndex&&) noexcept = default;
LineIndex& LineIndex::operator=(LineIndex&&) noexcept = default;

void LineIndex::clear()
{
    m_pages.clear();
    m_pages.shrink_to_fit();
    m_wide.clear();
    m_wide.shrink_to_fit();
    m_huge.clear();
    m_huge.shrink_to_fit();
    m_size = 0;
}

qint64 LineIndex::memoryBytes() const
{
    return qint64(m_pages.size()) * qint64(sizeof(Page)) + qint64(m_pages.capacity() * sizeof(void*))
        + qint64(m_wide.capacity() * sizeof(quint32)) + qint64(m_huge.capacity() * sizeof(quint64));
}

void LineIndex::widen(Page& page, int slot, qint64 blockFirstLine, Kind kind)
{
    // The block's lines so far move to an arena of wider offsets; its slot then names the arena
    // block. Rare: it takes lines averaging 256 KiB.
    const quint64 header = page.header[slot];
    const quint64 base = header & baseMask;
    const int filled = static_cast<int>(m_size - blockFirstLine) - 1; // offsets stored besides the base
    quint64 offsets[blockLines];
    for (int k = 0; k < filled; ++k)
        offsets[k] = at(blockFirstLine + 1 + k) - base;
    uchar* slotBytesPtr = page.slotData + slot * slotBytes;
    if (kind == Wide) {
        const auto number = static_cast<quint32>(m_wide.size() / (blockLines - 1));
        m_wide.resize(m_wide.size() + blockLines - 1, 0);
        quint32* arena = m_wide.data() + std::size_t(number) * (blockLines - 1);
        for (int k = 0; k < filled; ++k)
            arena[k] = static_cast<quint32>(offsets[k]);
        writeU32(slotBytesPtr, number);
    } else {
        const auto number = static_cast<quint32>(m_huge.size() / (blockLines - 1));
        m_huge.resize(m_huge.size() + blockLines - 1, 0);
        quint64* arena = m_huge.data() + std::size_t(number) * (blockLines - 1);
        for (int k = 0; k < filled; ++k)
            arena[k] = base + offsets[k];
        writeU32(slotBytesPtr, number);
    }
    page.header[slot] = base | (quint64(kind) << kindShift);
}

void LineIndex::append(quint64 offset)
{
    Q_ASSERT(offset <= maxOffset);
    Q_ASSERT(m_size == 0 || offset > at(m_size - 1));
    const qint64 line = m_size;
    const qint64 block = line / blockLines;
    const int k = static_cast<int>(line % blockLines);
    const int slot = static_cast<int>(block % pageBlocks);
    if (k == 0) {
        if (slot == 0)
            m_pages.push_back(std::make_unique<Page>());
        m_pages.back()->header[slot] = offset; // a new block starts narrow
        ++m_size;
        return;
    }
    Page& page = *m_pages.back();
    const quint64 base = page.header[slot] & baseMask;
    Kind kind = static_cast<Kind>(page.header[slot] >> kindShift);
    const quint64 relative = offset - base;
    const qint64 blockFirstLine = block * blockLines;
    if (kind == Narrow && relative >= narrowLimit) {
        kind = relative < wideLimit ? Wide : Huge;
        widen(page, slot, blockFirstLine, kind);
    } else if (kind == Wide && relative >= wideLimit) {
        kind = Huge;
        widen(page, slot, blockFirstLine, kind);
    }
    uchar* slotPtr = page.slotData + slot * slotBytes;
    switch (kind) {
    case Narrow: {
        uchar* p = slotPtr + qsizetype(k - 1) * 3;
        p[0] = static_cast<uchar>(relative);
        p[1] = static_cast<uchar>(relative >> 8);
        p[2] = static_cast<uchar>(relative >> 16);
        break;
    }
    case Wide:
        m_wide[std::size_t(readU32(slotPtr)) * (blockLines - 1) + std::size_t(k - 1)] = static_cast<quint32>(relative);
        break;
    case Huge:
        m_huge[std::size_t(readU32(slotPtr)) * (blockLines - 1) + std::size_t(k - 1)] = offset;
        break;
    }
    ++m_size;
}

void LineIndex::append(const quint64* offsets, qsizetype count)
{
    for (qsizetype i = 0; i < count; ++i)
        append(offsets[i]);
}

quint64 LineIndex::at(qint64 line) const
{
    Q_ASSERT(line >= 0 && line < m_size);
    const qint64 block = line / blockLines;
    const int k = static_cast<int>(line % blockLines);
    const Page& page = *m_pages[std::size_t(block / pageBlocks)];
    const int slot = static_cast<int>(block % pageBlocks);
    const quint64 header = page.header[slot];
    const quint64 base = header & baseMask;
    if (k == 0)
        return base;
    const uchar* slotPtr = page.slotData + slot * slotBytes;
    switch (static_cast<Kind>(header >> kindShift)) {
    case Narrow: {
        const uchar* p = slotPtr + qsizetype(k - 1) * 3;
        return base + (quint64(p[0]) | (quint64(p[1]) << 8) | (quint64(p[2]) << 16));
    }
    case Wide:
        return base + m_wide[std::size_t(readU32(slotPtr)) * (blockLines - 1) + std::size_t(k - 1)];
    case Huge:
        break;
    }
    return m_huge[std::size_t(readU32(slotPtr)) * (blockLines - 1) + std::size_t(k - 1)];
}

void LineIndex::decode(qint64 first, qint64 count, quint64* out) const
{
    Q_ASSERT(first >= 0 && count >= 0 && first + count <= m_size);
    qint64 line = first;
    const qint64 end = first + count;
    while (line < end) {
        const qint64 block = line / blockLines;
        int k = static_cast<int>(line % blockLines);
        const int n = static_cast<int>(qMin<qint64>(end - line, blockLines - k));
        const Page& page = *m_pages[std::size_t(block / pageBlocks)];
        const int slot = static_cast<int>(block % pageBlocks);
        const quint64 header = page.header[slot];
        const quint64 base = header & baseMask;
        const uchar* slotPtr = page.slotData + slot * slotBytes;
        const Kind kind = static_cast<Kind>(header >> kindShift);
        int j = 0;
        if (k == 0) {
            *out++ = base;
            ++k;
            ++j;
        }
        if (kind == Narrow) {
            const uchar* p = slotPtr + qsizetype(k - 1) * 3;
            for (; j < n; ++j, p += 3)
                *out++ = base + (quint64(p[0]) | (quint64(p[1]) << 8) | (quint64(p[2]) << 16));
        } else if (kind == Wide) {
            const quint32* p = m_wide.data() + std::size_t(readU32(slotPtr)) * (blockLines - 1) + std::size_t(k - 1);
            for (; j < n; ++j)
                *out++ = base + *p++;
        } else {
            const quint64* p = m_huge.data() + std::size_t(readU32(slotPtr)) * (blockLines - 1) + std::size_t(k - 1);
            for (; j < n; ++j)
                *out++ = *p++;
        }
        line += n;
    }
}

void findNewlines(const char* data, qsizetype n, quint64 base, std::vector<quint64>& out)
{
    qsizetype i = 0;
#if defined(__SSE2__)
    // 64 bytes per round into one bit mask, then one push per set bit: much faster than a memchr
    // call per line when lines are a few hundred bytes.
    const __m128i newline = _mm_set1_epi8('\n');
    for (; i + 64 <= n; i += 64) {
        const char* p = data + i;
        const auto m0 = static_cast<quint32>(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), newline)));
        const auto m1 = static_cast<quint32>(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), newline)));
        const auto m2 = static_cast<quint32>(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), newline)));
        const auto m3 = static_cast<quint32>(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), newline)));
        quint64 mask = quint64(m0) | (quint64(m1) << 16) | (quint64(m2) << 32) | (quint64(m3) << 48);
        while (mask) {
            out.push_back(base + quint64(i) + quint64(__builtin_ctzll(mask)) + 1);
            mask &= mask - 1;
        }
    }
#endif
    while (i < n) {
        const void* hit = std::memchr(data + i, '\n', std::size_t(n - i));
        if (!hit)
            break;
        i = static_cast<const char*>(hit) - data + 1;
        out.push_back(base + quint64(i));
    }
}

void LineScanner::feed(const char* data, qsizetype n, std::vector<quint64>& starts)
{
    if (n <= 0)
        return;
    if (m_atLineStart)
        starts.push_back(m_scanned);
    const std::size_t before = starts.size();
    findNewlines(data, n, m_scanned, starts);
    m_scanned += quint64(n);
    // The last newline of the block ends a line; whether another starts after it is only known
    // when the next byte arrives.
    m_atLineStart = starts.size() > before && starts.back() == m_scanned;
    if (m_atLineStart)
        starts.pop_back();
}

void LineScanner::reset()
{
    m_scanned = 0;
    m_atLineStart = true;
}

} // namespace pk
