#pragma once

// Content-defined chunking in the style of FastCDC (gear hash, cut-point skipping, normalised
// chunking with two masks): an insertion early in a file moves only the boundaries near it, so
// the next backup of a slightly changed file stores few new chunks.

#include <cstddef>
#include <cstdint>

namespace pk {

class Chunker
{
public:
    struct Params
    {
        size_t minSize = size_t(256) << 10;
        size_t averageSize = size_t(1) << 20;
        size_t maxSize = size_t(4) << 20;
    };

    static constexpr size_t maxChunkSize = size_t(4) << 20;

    Chunker();
    explicit Chunker(Params params);

    const Params& params() const { return m_params; }

    // Length of the next chunk at the start of data[0, size). The caller passes at least
    // maxSize bytes unless the file ends sooner; the result is at most min(size, maxSize).
    size_t nextCut(const std::uint8_t* data, size_t size) const;

private:
    Params m_params;
    std::uint64_t m_maskStrict = 0; // before the average size: harder to match
    std::uint64_t m_maskLoose = 0; // after it: easier, so chunks rarely reach maxSize
};

} // namespace pk
