#pragma once

// Where each line of a log file starts, about 3.1 bytes per line with O(1) access, and the
// newline scanner that fills it from large block reads (the log viewer's line index).

#include <QtGlobal>

#include <memory>
#include <vector>

namespace pk {

// Line start offsets, strictly increasing, in blocks of 64 lines. A block keeps its first offset
// as a 64-bit base and the other 63 as 24-bit offsets from it: (8 + 63 * 3) / 64 = 3.08 bytes per
// line. A block whose 64 lines span 16 MiB or more (average line >= 256 KiB) stores 32-bit
// offsets from its base instead, or 64-bit offsets when it spans 4 GiB or more; such a block costs
// at most 11 bytes per line but indexes at least 16 MiB, so the index stays below 4 bytes per line
// for every log of lines under 256 KiB and below 0.01 % of the file otherwise. Offsets are
// unsigned 62-bit: files of any real size, well past 4 GiB. Not thread-safe: the owner locks.
class LineIndex
{
public:
    static constexpr int blockLines = 64;
    static constexpr quint64 maxOffset = (quint64(1) << 62) - 1;

    LineIndex();
    ~LineIndex();
    LineIndex(LineIndex&&) noexcept;
    LineIndex& operator=(LineIndex&&) noexcept;
    LineIndex(const LineIndex&) = delete;
    LineIndex& operator=(const LineIndex&) = delete;

    // offset must be greater than the last one appended and at most maxOffset.
    void append(quint64 offset);
    void append(const quint64* offsets, qsizetype count);
    quint64 at(qint64 line) const;
    // Offsets of lines [first, first + count) into out, a block at a time: much cheaper per line
    // than at() for the long sequential passes of search and filters.
    void decode(qint64 first, qint64 count, quint64* out) const;
    qint64 size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    void clear();
    // Bytes allocated by the index, for the "bytes per line" figure.
    qint64 memoryBytes() const;

private:
    struct Page;
    enum Kind : quint64 { Narrow = 0, Wide = 1, Huge = 2 };
    void widen(Page& page, int slot, qint64 blockFirstLine, Kind kind);

    std::vector<std::unique_ptr<Page>> m_pages;
    std::vector<quint32> m_wide; // 63 offsets from the base per wide block
    std::vector<quint64> m_huge; // 63 absolute offsets per huge block
    qint64 m_size = 0;
};

// Turns a byte stream into line start offsets, block by block. A line is what lies between two
// '\n' (a final line without '\n' counts too, and grows when more bytes arrive later); the
// reader strips a '\r' before the '\n'. Empty input has no lines; "\n" is one empty line.
class LineScanner
{
public:
    // Scans the next n bytes of the stream and appends the offsets of lines that start in them.
    void feed(const char* data, qsizetype n, std::vector<quint64>& starts);
    // Bytes of the stream scanned so far.
    quint64 scanned() const { return m_scanned; }
    // True when the scanned bytes end with '\n' (or there are none): the next byte starts a line.
    bool atLineStart() const { return m_atLineStart; }
    void reset();

private:
    quint64 m_scanned = 0;
    bool m_atLineStart = true;
};

// Appends base + i + 1 for every '\n' at data[i] (SSE2 on x86-64, memchr elsewhere).
void findNewlines(const char* data, qsizetype n, quint64 base, std::vector<quint64>& out);

} // namespace pk
