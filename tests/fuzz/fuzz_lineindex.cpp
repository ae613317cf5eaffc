// Fuzzes the log viewer's line index: pk::LineScanner::feed over any bytes in any blocks, pk::findNewlines against a
// naive loop, and pk::LineIndex (append, at, decode) with those line starts, also spread far apart (wide, huge blocks).

#include "fuzzcheck.h"
#include "logs/lineindex.h"

#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <utility>
#include <vector>

namespace {

// Deterministic pseudo-random numbers from a seed the fuzzer chooses (splitmix64).
class Random
{
public:
    explicit Random(quint64 seed)
        : m_state(seed)
    { }
    quint64 next()
    {
        quint64 z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // In [0, bound]; bound 0 gives 0.
    quint64 upTo(quint64 bound) { return bound == UINT64_MAX ? next() : next() % (bound + 1); }

private:
    quint64 m_state;
};

QString describe(const char* what, std::size_t i, quint64 expected, quint64 actual)
{
    return QStringLiteral("%1 %2: expected %3, got %4")
        .arg(QLatin1String(what))
        .arg(quint64(i))
        .arg(expected)
        .arg(actual);
}

std::vector<quint64> naiveNewlines(const char* data, std::size_t n, quint64 base)
{
    std::vector<quint64> out;
    for (std::size_t i = 0; i < n; ++i) {
        if (data[i] == '\n')
            out.push_back(base + i + 1);
    }
    return out;
}

void checkSame(const char* what, const std::vector<quint64>& expected, const std::vector<quint64>& actual)
{
    FUZZ_CHECK(expected.size() == actual.size(), describe(what, 0, expected.size(), actual.size()));
    for (std::size_t i = 0; i < expected.size(); ++i)
        FUZZ_CHECK(expected[i] == actual[i], describe(what, i, expected[i], actual[i]));
}

// Appends offsets (one at a time or in batches) and checks everything the index answers.
void checkIndex(pk::LineIndex& index, const std::vector<quint64>& offsets, Random& random)
{
    FUZZ_CHECK(index.isEmpty() && index.size() == 0, QString());
    std::size_t done = 0;
    while (done < offsets.size()) {
        if (random.upTo(1) == 0) {
            index.append(offsets[done]);
            ++done;
        } else {
            const std::size_t count = std::size_t(random.upTo(qMin<quint64>(offsets.size() - done, 200)));
            index.append(offsets.data() + done, qsizetype(count));
            done += count;
        }
        FUZZ_CHECK(index.size() == qint64(done), describe("size", done, done, quint64(index.size())));
    }
    const qint64 size = index.size();
    FUZZ_CHECK(size == qint64(offsets.size()), QString());
    FUZZ_CHECK(index.isEmpty() == offsets.empty(), QString());
    FUZZ_CHECK(offsets.empty() || index.memoryBytes() > 0, QString());
    for (qint64 i = 0; i < size; ++i) {
        const quint64 offset = index.at(i);
        FUZZ_CHECK(offset == offsets[std::size_t(i)], describe("at", std::size_t(i), offsets[std::size_t(i)], offset));
        FUZZ_CHECK(offset <= pk::LineIndex::maxOffset, QString());
        if (i > 0)
            FUZZ_CHECK(offset > index.at(i - 1), describe("increasing at", std::size_t(i), index.at(i - 1), offset));
    }
    std::vector<quint64> decoded(offsets.size() + 1, 0);
    index.decode(0, size, decoded.data());
    for (qint64 i = 0; i < size; ++i)
        FUZZ_CHECK(decoded[std::size_t(i)] == index.at(i),
            describe("decode", std::size_t(i), index.at(i), decoded[std::size_t(i)]));
    for (int round = 0; round < 8 && size > 0; ++round) {
        const qint64 first = qint64(random.upTo(quint64(size - 1)));
        const qint64 count = qint64(random.upTo(quint64(size - first)));
        decoded.assign(std::size_t(count) + 1, 0);
        index.decode(first, count, decoded.data());
        for (qint64 i = 0; i < count; ++i)
            FUZZ_CHECK(decoded[std::size_t(i)] == index.at(first + i),
                describe("decode range at", std::size_t(first + i), index.at(first + i), decoded[std::size_t(i)]));
        FUZZ_CHECK(decoded[std::size_t(count)] == 0, QStringLiteral("decode wrote past its count"));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // Parameters from the end of the input, the stream from the rest.
    FuzzedDataProvider provider(data, size);
    const quint64 seed = provider.ConsumeIntegral<quint64>();
    const quint64 base = provider.ConsumeIntegral<quint64>();
    const int maxShift = provider.ConsumeIntegralInRange<int>(0, 40);
    const std::vector<char> bytes = provider.ConsumeRemainingBytes<char>();
    const std::size_t n = bytes.size();
    Random random(seed);

    // findNewlines against a naive loop, from several alignments and bases.
    for (const std::size_t skip :
        { std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(16), std::size_t(63) }) {
        if (skip > n)
            break;
        std::vector<quint64> found;
        pk::findNewlines(bytes.data() + skip, qsizetype(n - skip), base, found);
        checkSame("findNewlines", naiveNewlines(bytes.data() + skip, n - skip, base), found);
    }

    // The line starts: 0 (when there is a byte), and after each '\n' followed by a byte.
    std::vector<quint64> expected;
    if (n > 0)
        expected.push_back(0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        if (bytes[i] == '\n')
            expected.push_back(i + 1);
    }

    // Fed in blocks of every size, empty ones included, the scanner finds them all.
    pk::LineScanner scanner;
    std::vector<quint64> starts;
    std::size_t fed = 0;
    while (fed < n) {
        std::size_t length = 0;
        switch (random.upTo(3)) {
        case 0:
            length = std::size_t(random.upTo(3));
            break;
        case 1:
            length = std::size_t(random.upTo(80));
            break;
        case 2:
            length = std::size_t(random.upTo(700));
            break;
        default:
            length = n - fed;
        }
        length = qMin(length, n - fed);
        scanner.feed(bytes.data() + fed, qsizetype(length), starts);
        fed += length;
        FUZZ_CHECK(scanner.scanned() == fed, describe("scanned", fed, fed, scanner.scanned()));
        FUZZ_CHECK(scanner.atLineStart() == (fed == 0 || bytes[fed - 1] == '\n'), QString());
        for (const quint64 start : starts)
            FUZZ_CHECK(start < fed, describe("start beyond the scanned bytes", fed, fed, start));
    }
    checkSame("LineScanner", expected, starts);
    for (std::size_t i = 1; i < starts.size(); ++i)
        FUZZ_CHECK(starts[i] > starts[i - 1], describe("increasing", i, starts[i - 1], starts[i]));

    // In one block, after a reset, the same.
    scanner.reset();
    FUZZ_CHECK(scanner.scanned() == 0 && scanner.atLineStart(), QString());
    std::vector<quint64> whole;
    scanner.feed(bytes.data(), qsizetype(n), whole);
    checkSame("LineScanner in one block", expected, whole);

    // The index gives back what was appended.
    pk::LineIndex index;
    checkIndex(index, starts, random);
    index.clear();
    FUZZ_CHECK(index.size() == 0 && index.isEmpty(), QString());

    // The same lines far apart (lines of up to 2^40 times their length, anywhere below
    // maxOffset): blocks switch from 24-bit to 32-bit and 64-bit offsets midway.
    std::vector<quint64> spread;
    quint64 offset = base & (pk::LineIndex::maxOffset >> 1);
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const quint64 length = i == 0 ? 0 : starts[i] - starts[i - 1];
        const int shift = int(random.upTo(quint64(maxShift)));
        if (length > (pk::LineIndex::maxOffset >> shift))
            break;
        const quint64 gap = length << shift;
        if (gap > pk::LineIndex::maxOffset - offset)
            break;
        offset += gap;
        spread.push_back(offset);
    }
    checkIndex(index, spread, random);
    pk::LineIndex moved = std::move(index);
    FUZZ_CHECK(moved.size() == qint64(spread.size()), QString());
    if (!spread.empty())
        FUZZ_CHECK(moved.at(moved.size() - 1) == spread.back(), QString());
    return 0;
}
