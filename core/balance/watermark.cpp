#include "watermark.h"

#include <cmath>

namespace pk::watermark {

namespace {

constexpr qint64 fullMillionths = 100000000; // 100 %

qint64 millionthsOf(double percent)
{
    return std::llround(percent * 1e6);
}

} // namespace

// capacity / 100 % and capacity % 100 % are multiplied separately so that no product overflows.
qint64 bytesAt(double percent, qint64 capacity)
{
    const qint64 p = millionthsOf(percent);
    return p * (capacity / fullMillionths) + p * (capacity % fullMillionths) / fullMillionths;
}

qint64 bytesBelow(double percent, qint64 capacity)
{
    const qint64 p = millionthsOf(percent);
    const qint64 rest = p * (capacity % fullMillionths);
    return p * (capacity / fullMillionths) + rest / fullMillionths - (rest % fullMillionths == 0 ? 1 : 0);
}

} // namespace pk::watermark
