#include "sizes.h"

#include <QRegularExpression>

#include <cmath>
#include <limits>

namespace pk {

Result<qint64> parseSize(const QString& text)
{
    static const QRegularExpression re(QStringLiteral(R"(^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtTpP]?)(?:i?[bB])?\s*$)"));
    const auto match = re.match(text);
    if (!match.hasMatch())
        return usageError(QStringLiteral(
            "invalid size '%1': use plain bytes or a number with K, M, G, T or P (powers of 1024), e.g. 512M or 1.5T")
                              .arg(text));
    const double number = match.captured(1).toDouble();
    const QChar unit = match.captured(2).isEmpty() ? QChar() : match.captured(2).at(0).toUpper();
    int shift = 0;
    if (unit == u'K')
        shift = 10;
    else if (unit == u'M')
        shift = 20;
    else if (unit == u'G')
        shift = 30;
    else if (unit == u'T')
        shift = 40;
    else if (unit == u'P')
        shift = 50;
    if (shift == 0 && match.captured(1).contains(u'.'))
        return usageError(QStringLiteral("invalid size '%1': a plain byte count must be a whole number").arg(text));
    const double bytes = std::ldexp(number, shift);
    if (!(bytes < static_cast<double>(std::numeric_limits<qint64>::max())))
        return usageError(QStringLiteral("invalid size '%1': too large").arg(text));
    return static_cast<qint64>(std::llround(bytes));
}

Result<qint64> parseRate(const QString& text)
{
    QString trimmed = text.trimmed();
    if (trimmed.endsWith(QStringLiteral("/s"), Qt::CaseInsensitive))
        trimmed.chop(2);
    auto size = parseSize(trimmed);
    if (!size)
        return usageError(
            QStringLiteral("invalid rate '%1': use bytes per second or a number with K, M, G or T, e.g. 50M")
                .arg(text));
    if (*size <= 0)
        return usageError(QStringLiteral("invalid rate '%1': it must be greater than zero").arg(text));
    return size;
}

Result<double> parsePercent(const QString& text)
{
    static const QRegularExpression re(QStringLiteral(R"(^\s*(\d+(?:\.\d+)?)\s*%?\s*$)"));
    const auto match = re.match(text);
    if (!match.hasMatch())
        return usageError(QStringLiteral("invalid percentage '%1': give a number between 0 and 100").arg(text));
    const double value = match.captured(1).toDouble();
    if (value < 0.0 || value > 100.0)
        return usageError(QStringLiteral("invalid percentage '%1': it must be between 0 and 100").arg(text));
    return value;
}

QString formatBytes(qint64 bytes)
{
    static const char* const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
    if (bytes < 1024 && bytes > -1024)
        return QStringLiteral("%1 B").arg(bytes);
    auto value = static_cast<double>(bytes);
    int unit = -1;
    while ((value >= 1024.0 || value <= -1024.0) && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2")
        .arg(value, 0, 'f', value >= 100 ? 0 : (value >= 10 ? 1 : 2))
        .arg(QLatin1String(units[unit]));
}

QString formatPercent(double percent)
{
    return QStringLiteral("%1 %").arg(percent, 0, 'f', 1);
}

} // namespace pk
