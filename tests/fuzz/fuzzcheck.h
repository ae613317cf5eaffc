#pragma once

// Shared by the fuzz targets: FUZZ_CHECK aborts on a violated invariant, so that libFuzzer
// reports it as a crash and saves the input.

#include <QByteArray>
#include <QString>

#include <cstdio>
#include <cstdlib>

namespace pk::fuzz {

[[noreturn]] inline void checkFailed(const char* condition, const char* file, int line, const QString& detail)
{
    std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, condition);
    if (!detail.isEmpty())
        std::fprintf(stderr, "  %s\n", detail.toLocal8Bit().constData());
    std::fflush(stderr);
    std::abort();
}

// Bytes shown in a message: printable ASCII as is, the rest as \xNN.
inline QString show(const QByteArray& bytes)
{
    QString out;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f)
            out += QLatin1Char(c);
        else
            out += QStringLiteral("\\x%1").arg(byte, 2, 16, QLatin1Char('0'));
    }
    return out;
}

// Whether QJsonDocument gives this string back as it was given: lone surrogates are written as
// U+FFFD, and fromJson drops a U+FEFF that starts a string written unescaped (as toJson writes it).
inline bool survivesJson(const QString& text)
{
    return text.isValidUtf16() && !text.startsWith(QChar(0xfeff));
}

} // namespace pk::fuzz

#define FUZZ_CHECK(condition, detail)                                                                                  \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            ::pk::fuzz::checkFailed(#condition, __FILE__, __LINE__, (detail));                                         \
    } while (false)
