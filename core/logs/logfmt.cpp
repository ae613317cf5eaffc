#include "logfmt.h"

#include <array>

namespace pk {

namespace {

// Byte classes for the scanner: one table lookup per byte on the hot path.
enum : quint8 {
    KeyByte = 1, // printable ASCII except '=' and '"'
    BareByte = 2, // anything except space, tab, '=', '"' and control bytes
    QuotedByte = 4, // taken as is inside quotes: anything except '"', '\' and control bytes (tab allowed)
    NeedsQuote = 8, // the formatter quotes a value holding this byte
};

constexpr std::array<quint8, 256> makeClasses()
{
    std::array<quint8, 256> classes {};
    for (int b = 0; b < 256; ++b) {
        const bool control = b < 0x20 || b == 0x7f;
        quint8 c = 0;
        if (b > 0x20 && b < 0x7f && b != '=' && b != '"')
            c |= KeyByte;
        if (!control && b != ' ' && b != '=' && b != '"')
            c |= BareByte;
        if ((!control || b == '\t') && b != '"' && b != '\\')
            c |= QuotedByte;
        if (control || b == ' ' || b == '=' || b == '"' || b == '\\')
            c |= NeedsQuote;
        classes[static_cast<size_t>(b)] = c;
    }
    return classes;
}

constexpr std::array<quint8, 256> classes = makeClasses();

inline quint8 classOf(char c)
{
    return classes[static_cast<unsigned char>(c)];
}

inline bool isSeparator(char c)
{
    return c == ' ' || c == '\t';
}

inline int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<qint64>(doe) - 719468;
}

struct Civil
{
    qint64 year;
    unsigned month;
    unsigned day;
};

constexpr Civil civilFromDays(qint64 z)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return { static_cast<qint64>(yoe) + era * 400 + (m <= 2), m, d };
}

constexpr bool isLeapYear(qint64 y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned daysInMonth(qint64 y, unsigned m)
{
    constexpr unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && isLeapYear(y) ? 29 : days[m - 1];
}

constexpr qint64 msPerDay = 86400000;
constexpr qint64 minTimeMs = daysFromCivil(0, 1, 1) * msPerDay;
constexpr qint64 maxTimeMs = daysFromCivil(10000, 1, 1) * msPerDay - 1;

void appendTimestamp(QByteArray& out, qint64 timeMs)
{
    timeMs = qBound(minTimeMs, timeMs, maxTimeMs);
    qint64 days = timeMs / msPerDay;
    qint64 msOfDay = timeMs % msPerDay;
    if (msOfDay < 0) {
        msOfDay += msPerDay;
        --days;
    }
    const Civil date = civilFromDays(days);
    char text[24];
    auto put = [&](int at, qint64 value, int digits) {
        for (int i = digits - 1; i >= 0; --i) {
            text[at + i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    put(0, date.year, 4);
    text[4] = '-';
    put(5, date.month, 2);
    text[7] = '-';
    put(8, date.day, 2);
    text[10] = 'T';
    put(11, msOfDay / 3600000, 2);
    text[13] = ':';
    put(14, msOfDay / 60000 % 60, 2);
    text[16] = ':';
    put(17, msOfDay / 1000 % 60, 2);
    text[19] = '.';
    put(20, msOfDay % 1000, 3);
    text[23] = 'Z';
    out.append(text, sizeof text);
}

void appendKey(QByteArray& out, const QString& key)
{
    if (key.isEmpty()) {
        out += '_';
        return;
    }
    for (const QChar c : key)
        out += (c.unicode() < 0x80 && (classOf(static_cast<char>(c.unicode())) & KeyByte))
            ? static_cast<char>(c.unicode())
            : '_';
}

void appendValue(QByteArray& out, const QString& value)
{
    const QByteArray utf8 = value.toUtf8();
    bool quote = utf8.isEmpty();
    for (const char c : utf8) {
        if (classOf(c) & NeedsQuote) {
            quote = true;
            break;
        }
    }
    if (!quote) {
        out += utf8;
        return;
    }
    out += '"';
    for (const char c : utf8) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                static constexpr char hex[] = "0123456789abcdef";
                const char escape[] = { '\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf] };
                out.append(escape, sizeof escape);
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendUtf8(QByteArray& out, char32_t code)
{
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xc0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xe0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    }
}

// Four hex digits at p (the caller checked they are there); -1 when one is not hex.
int hex4(const char* p)
{
    int value = 0;
    for (int i = 0; i < 4; ++i) {
        const int digit = hexValue(p[i]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

} // namespace

QByteArray Logfmt::format(const LogRecord& record)
{
    QByteArray out;
    formatTo(out, record);
    return out;
}

void Logfmt::formatTo(QByteArray& out, const LogRecord& record)
{
    out.reserve(out.size() + 48 + record.fields.size() * 24);
    out += "ts=";
    appendTimestamp(out, record.timeMs);
    out += " level=";
    out += toString(record.level).toLatin1();
    for (const LogField& field : record.fields) {
        out += ' ';
        appendKey(out, field.key);
        out += '=';
        appendValue(out, field.value);
    }
    out += '\n';
}

bool Logfmt::isValidKey(QStringView key)
{
    if (key.isEmpty() || key == u"ts" || key == u"level")
        return false;
    for (const QChar c : key) {
        if (c.unicode() >= 0x80 || !(classOf(static_cast<char>(c.unicode())) & KeyByte))
            return false;
    }
    return true;
}

Status Logfmt::validate(const LogRecord& record)
{
    for (const LogField& field : record.fields) {
        if (!isValidKey(field.key))
            return usageError(
                QStringLiteral("log field key '%1' is not valid: use printable ASCII without spaces, '=' or "
                               "'\"', and not 'ts' or 'level'")
                    .arg(field.key));
    }
    return {};
}

void Logfmt::parse(QByteArrayView line, LogfmtLine& out)
{
    out.clear();
    const char* const begin = line.data();
    qsizetype n = line.size();
    if (n > 0 && begin[n - 1] == '\r')
        --n;
    qsizetype pos = 0;
    bool seenTs = false;
    bool seenLevel = false;
    auto fail = [&](qsizetype at) {
        out.clear();
        out.errorOffset = at;
    };

    for (;;) {
        while (pos < n && isSeparator(begin[pos]))
            ++pos;
        if (pos == n)
            break;
        const qsizetype keyStart = pos;
        while (pos < n && (classOf(begin[pos]) & KeyByte))
            ++pos;
        if (pos == keyStart || pos == n || begin[pos] != '=')
            return fail(pos);
        LogfmtField field;
        field.key = QByteArrayView(begin + keyStart, pos - keyStart);
        ++pos;
        if (pos < n && begin[pos] == '"') {
            field.quoted = true;
            const qsizetype valueStart = ++pos;
            for (;;) {
                while (pos < n && (classOf(begin[pos]) & QuotedByte))
                    ++pos;
                if (pos == n)
                    return fail(pos); // unterminated quote
                const char c = begin[pos];
                if (c == '"')
                    break;
                if (c != '\\' || pos + 1 == n)
                    return fail(pos); // a raw control byte, or a backslash at the end
                const char e = begin[pos + 1];
                if (e == '"' || e == '\\' || e == 'n' || e == 'r' || e == 't') {
                    pos += 2;
                } else if (e == 'u' && pos + 6 <= n && hex4(begin + pos + 2) >= 0) {
                    pos += 6;
                } else {
                    return fail(pos);
                }
                field.escaped = true;
            }
            field.rawValue = QByteArrayView(begin + valueStart, pos - valueStart);
            ++pos;
        } else {
            const qsizetype valueStart = pos;
            while (pos < n && (classOf(begin[pos]) & BareByte))
                ++pos;
            field.rawValue = QByteArrayView(begin + valueStart, pos - valueStart);
        }
        if (pos < n && !isSeparator(begin[pos]))
            return fail(pos);

        if (field.key.size() == 2 && !seenTs && field.key == "ts") {
            seenTs = true;
            if (!field.escaped)
                out.timeMs = parseTimestamp(field.rawValue);
        } else if (field.key.size() == 5 && !seenLevel && field.key == "level") {
            seenLevel = true;
            if (!field.escaped)
                out.level = logLevelFromString(field.rawValue);
        }
        out.fields.append(field);
    }
    if (out.fields.isEmpty())
        return fail(pos); // empty, or only separators
    out.valid = true;
}

LogfmtLine Logfmt::parse(QByteArrayView line)
{
    LogfmtLine out;
    parse(line, out);
    return out;
}

std::optional<qint64> Logfmt::parseTimestamp(QByteArrayView text)
{
    // YYYY-MM-DDTHH:MM:SS[.f]Z, checked byte by byte: QDateTime::fromString is far too slow
    // for the viewer's indexing pass.
    const qsizetype n = text.size();
    if (n < 20 || n > 30)
        return std::nullopt;
    const char* p = text.data();
    auto digits = [&](int at, int count, int& value) {
        value = 0;
        for (int i = 0; i < count; ++i) {
            const char c = p[at + i];
            if (c < '0' || c > '9')
                return false;
            value = value * 10 + (c - '0');
        }
        return true;
    };
    int year, month, day, hour, minute, second;
    if (!digits(0, 4, year) || p[4] != '-' || !digits(5, 2, month) || p[7] != '-' || !digits(8, 2, day) || p[10] != 'T'
        || !digits(11, 2, hour) || p[13] != ':' || !digits(14, 2, minute) || p[16] != ':' || !digits(17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1
        || static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month)) || hour > 23 || minute > 59
        || second > 59)
        return std::nullopt;
    qsizetype pos = 19;
    int ms = 0;
    if (p[pos] == '.') {
        ++pos;
        const qsizetype fractionStart = pos;
        int scale = 100;
        while (pos < n && p[pos] >= '0' && p[pos] <= '9') {
            ms += (p[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        const qsizetype fractionDigits = pos - fractionStart;
        if (fractionDigits < 1 || fractionDigits > 9)
            return std::nullopt;
    }
    if (pos != n - 1 || p[pos] != 'Z')
        return std::nullopt;
    const qint64 days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return days * msPerDay + ((hour * 60 + minute) * 60 + second) * qint64(1000) + ms;
}

QByteArray Logfmt::formatTimestamp(qint64 timeMs)
{
    QByteArray out;
    out.reserve(24);
    appendTimestamp(out, timeMs);
    return out;
}

QByteArray Logfmt::unescape(QByteArrayView raw)
{
    QByteArray out;
    out.reserve(raw.size());
    const char* p = raw.data();
    const qsizetype n = raw.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = p[i];
        if (c != '\\' || i + 1 == n) {
            out += c;
            continue;
        }
        const char e = p[++i];
        switch (e) {
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'u': {
            int code = i + 4 < n ? hex4(p + i + 1) : -1;
            if (code < 0) {
                out += '\\';
                out += e;
                break;
            }
            i += 4;
            if (code >= 0xd800 && code <= 0xdbff && i + 6 < n && p[i + 1] == '\\' && p[i + 2] == 'u') {
                const int low = hex4(p + i + 3);
                if (low >= 0xdc00 && low <= 0xdfff) {
                    appendUtf8(out, 0x10000 + ((char32_t(code) - 0xd800) << 10) + (char32_t(low) - 0xdc00));
                    i += 6;
                    break;
                }
            }
            appendUtf8(out, (code >= 0xd800 && code <= 0xdfff) ? char32_t(0xfffd) : char32_t(code));
            break;
        }
        default: // '"', '\\' and anything parse() would not have let through
            out += e;
        }
    }
    return out;
}

} // namespace pk
