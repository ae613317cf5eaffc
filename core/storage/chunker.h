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
        size_t minSize = 256 * 1024;
        size_t averageSize = 1024 * 1024;
        size_t maxSize = 4 * 1024 * 1024;
    };

    static constexpr size_t maxChunkSize = 4 * 1024 * 1024;

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
