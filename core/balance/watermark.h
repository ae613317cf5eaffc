#pragma once

// Exact byte bounds of a watermark. Watermarks are decimal ("80", "72.5") and a double holds most
// of them only nearly: in floating point 80.1 % of 10^12 bytes could come out as exactly 801e9
// "below" high. The bounds are exact integers from the percentage in millionths, and every part of
// Poolkeeper that asks "at or above high?" or "past low?" asks here, so the detector, the scanner
// and the planner always agree.

#include <QtGlobal>

namespace pk::watermark {

// The most bytes that keep a storage at or below percent ("no destination passes low").
qint64 bytesAt(double percent, qint64 capacity);
// The most bytes that keep a storage strictly below percent ("the source ends below high").
qint64 bytesBelow(double percent, qint64 capacity);

inline bool isAtOrAbove(qint64 used, qint64 capacity, double percent)
{
    return capacity > 0 && used > bytesBelow(percent, capacity);
}

inline bool isAtOrBelow(qint64 used, qint64 capacity, double percent)
{
    return capacity > 0 && used <= bytesAt(percent, capacity);
}

} // namespace pk::watermark
