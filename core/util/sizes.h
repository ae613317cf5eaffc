#pragma once

// Parsing and printing of byte sizes, rates and percentages as operators type them.

#include "result.h"

#include <QString>

namespace pk {

// Binary units as 64-bit constants, so that "5 * MiB" is computed in 64 bits.
inline constexpr qint64 KiB = 1024;
inline constexpr qint64 MiB = 1024 * KiB;
inline constexpr qint64 GiB = 1024 * MiB;

// "512M", "2G", "1.5T" (powers of 1024; an optional trailing "iB" or "B" is accepted) or plain bytes.
Result<qint64> parseSize(const QString& text);
// "50M" (per second), as parseSize; an optional "/s" suffix is accepted.
Result<qint64> parseRate(const QString& text);
// A percentage in [0, 100], "80" or "72.5".
Result<double> parsePercent(const QString& text);

// "1.50 GiB", "512 B".
QString formatBytes(qint64 bytes);
// Percent with one decimal, "80.1 %".
QString formatPercent(double percent);

} // namespace pk
