// Fuzzes the logfmt of inSyncMigration.log: Logfmt::parse (against a reference parser of its grammar), unescape,
// parseTimestamp / formatTimestamp, and the round trip record -> format -> parse -> record.

#include "fuzzcheck.h"
#include "logs/logfmt.h"

#include <QDateTime>
#include <QStringDecoder>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

using pk::fuzz::show;

namespace {

// --- The grammar of logfmt.h, written out plainly ---------------------------------------------

bool isSeparator(uchar c)
{
    return c == ' ' || c == '\t';
}
bool isControl(uchar c)
{
    return c < 0x20 || c == 0x7f;
}
bool isKeyByte(uchar c)
{
    return c > 0x20 && c < 0x7f && c != '=' && c != '"';
}
bool isBareByte(uchar c)
{
    return !isControl(c) && c != ' ' && c != '=' && c != '"';
}
int hexDigit(uchar c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
int hex4(const QByteArray& text, qsizetype at)
{
    if (at + 4 > text.size())
        return -1;
    int value = 0;
    for (qsizetype i = at; i < at + 4; ++i) {
        const int digit = hexDigit(uchar(text.at(i)));
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

struct Field
{
    QByteArray key;
    QByteArray raw;
    bool quoted = false;
    bool escaped = false;
};

std::optional<std::vector<Field>> referenceParse(QByteArray line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    const qsizetype n = line.size();
    auto at = [&](qsizetype i) { return uchar(line.at(i)); };
    std::vector<Field> fields;
    qsizetype i = 0;
    while (i < n && isSeparator(at(i)))
        ++i;
    while (i < n) {
        Field field;
        const qsizetype keyStart = i;
        while (i < n && isKeyByte(at(i)))
            ++i;
        if (i == keyStart || i == n || at(i) != '=')
            return std::nullopt;
        field.key = line.mid(keyStart, i - keyStart);
        ++i;
        if (i < n && at(i) == '"') {
            field.quoted = true;
            const qsizetype valueStart = ++i;
            for (;;) {
                if (i == n)
                    return std::nullopt;
                const uchar c = at(i);
                if (c == '"')
                    break;
                if (c == '\\') {
                    if (i + 1 == n)
                        return std::nullopt;
                    const uchar e = at(i + 1);
                    if (e == '"' || e == '\\' || e == 'n' || e == 'r' || e == 't')
                        i += 2;
                    else if (e == 'u' && hex4(line, i + 2) >= 0)
                        i += 6;
                    else
                        return std::nullopt;
                    field.escaped = true;
                    continue;
                }
                if (isControl(c) && c != '\t')
                    return std::nullopt;
                ++i;
            }
            field.raw = line.mid(valueStart, i - valueStart);
            ++i;
        } else {
            const qsizetype valueStart = i;
            while (i < n && isBareByte(at(i)))
                ++i;
            field.raw = line.mid(valueStart, i - valueStart);
        }
        fields.push_back(field);
        if (i < n && !isSeparator(at(i)))
            return std::nullopt;
        while (i < n && isSeparator(at(i)))
            ++i;
    }
    if (fields.empty())
        return std::nullopt;
    return fields;
}

// The escapes of a quoted value that referenceParse accepted, decoded to UTF-8 (by Qt).
QByteArray referenceUnescape(const QByteArray& raw)
{
    QString decoded;
    QByteArray out;
    auto flush = [&] {
        out += decoded.toUtf8();
        decoded.clear();
    };
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw.at(i);
        if (c != '\\') {
            flush();
            out += c;
            continue;
        }
        const char e = raw.at(++i);
        if (e != 'u') {
            flush();
            out += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
            continue;
        }
        const int code = hex4(raw, i + 1);
        i += 4;
        if (code >= 0xd800 && code <= 0xdbff && i + 2 < raw.size() && raw.at(i + 1) == '\\' && raw.at(i + 2) == 'u') {
            const int low = hex4(raw, i + 3);
            if (low >= 0xdc00 && low <= 0xdfff) {
                decoded += QChar(char16_t(code));
                decoded += QChar(char16_t(low));
                i += 6;
                continue;
            }
        }
        decoded += (code >= 0xd800 && code <= 0xdfff) ? QChar(QChar::ReplacementCharacter) : QChar(char16_t(code));
    }
    flush();
    return out;
}

// UTF-8 read as a value's text: invalid sequences as U+FFFD, and a U+FEFF that starts it kept
// (QString::fromUtf8 would drop it, taking it for a byte order mark).
QString utf8Text(QByteArrayView bytes)
{
    QStringDecoder decoder(
        QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    return decoder.decode(bytes);
}

// --- Checks ------------------------------------------------------------------------------------

bool within(QByteArrayView part, QByteArrayView whole)
{
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// context() describes the input, for messages (only built when a check fails).
template<typename Context> void checkRoundTrip(const pk::LogRecord& record, const Context& context)
{
    const QByteArray text = pk::Logfmt::format(record);
    FUZZ_CHECK(text.endsWith('\n') && text.count('\n') == 1, context() + QStringLiteral(" wrote ") + show(text));
    const pk::LogfmtLine again = pk::Logfmt::parse(QByteArrayView(text).chopped(1));
    FUZZ_CHECK(again.valid, context() + QStringLiteral(" wrote ") + show(text));
    const auto reread = again.toRecord();
    FUZZ_CHECK(reread.has_value(), context() + QStringLiteral(" wrote ") + show(text));
    FUZZ_CHECK(*reread == record, context() + QStringLiteral(" wrote ") + show(text));
}

void checkLine(QByteArrayView line, pk::LogfmtLine& reused)
{
    const auto context = [&]() -> QString { return QStringLiteral("line ") + show(line.toByteArray()); };
    const pk::LogfmtLine parsed = pk::Logfmt::parse(line);
    pk::Logfmt::parse(line, reused); // the viewer's way: storage reused from the previous line
    const auto reference = referenceParse(line.toByteArray());
    FUZZ_CHECK(parsed.valid == reference.has_value(), context());
    FUZZ_CHECK(reused.valid == parsed.valid && reused.fields.size() == parsed.fields.size(), context());
    FUZZ_CHECK(reused.errorOffset == parsed.errorOffset && reused.timeMs == parsed.timeMs, context());
    FUZZ_CHECK(reused.level == parsed.level, context());
    if (!parsed.valid) {
        FUZZ_CHECK(parsed.fields.isEmpty() && !parsed.timeMs && !parsed.level, context());
        FUZZ_CHECK(parsed.errorOffset >= 0 && parsed.errorOffset <= line.size(), context());
        FUZZ_CHECK(!parsed.toRecord(), context());
        return;
    }
    FUZZ_CHECK(parsed.errorOffset == -1, context());
    FUZZ_CHECK(qsizetype(reference->size()) == parsed.fields.size(), context());
    std::optional<qint64> timeMs;
    std::optional<pk::LogLevel> level;
    bool seenTs = false;
    bool seenLevel = false;
    const char* previousEnd = line.data();
    for (qsizetype i = 0; i < parsed.fields.size(); ++i) {
        const pk::LogfmtField& field = parsed.fields.at(i);
        const Field& expected = reference->at(std::size_t(i));
        const auto fieldContext = [&]() -> QString { return context() + QStringLiteral(" field %1").arg(i); };
        FUZZ_CHECK(field.key == expected.key, fieldContext());
        FUZZ_CHECK(field.rawValue == expected.raw, fieldContext());
        FUZZ_CHECK(field.quoted == expected.quoted && field.escaped == expected.escaped, fieldContext());
        FUZZ_CHECK(within(field.key, line) && within(field.rawValue, line), fieldContext());
        FUZZ_CHECK(field.key.data() >= previousEnd, fieldContext());
        previousEnd = field.rawValue.data() + field.rawValue.size();
        FUZZ_CHECK(
            reused.fields.at(i).key == field.key && reused.fields.at(i).rawValue == field.rawValue, fieldContext());
        const QByteArray value = field.value();
        FUZZ_CHECK(value.size() <= field.rawValue.size(), fieldContext());
        FUZZ_CHECK(value == (field.escaped ? referenceUnescape(expected.raw) : expected.raw),
            fieldContext() + QStringLiteral(" value ") + show(value));
        FUZZ_CHECK(field.text() == utf8Text(value), fieldContext() + QStringLiteral(" text ") + field.text());
        if (field.key == "ts" && !seenTs) {
            seenTs = true;
            if (!field.escaped)
                timeMs = pk::Logfmt::parseTimestamp(field.rawValue);
        } else if (field.key == "level" && !seenLevel) {
            seenLevel = true;
            if (!field.escaped)
                level = pk::logLevelFromString(field.rawValue);
        }
    }
    FUZZ_CHECK(parsed.timeMs == timeMs && parsed.level == level, context());
    for (const Field& field : *reference)
        FUZZ_CHECK(parsed.indexOf(field.key) >= 0, context());

    if (const auto record = parsed.toRecord())
        checkRoundTrip(*record, context);
}

void checkTimestamp(QByteArrayView text, qint64 minTimeMs, qint64 maxTimeMs)
{
    const auto timeMs = pk::Logfmt::parseTimestamp(text);
    if (!timeMs)
        return;
    const auto context = [&]() -> QString { return QStringLiteral("timestamp ") + show(text.toByteArray()); };
    FUZZ_CHECK(*timeMs >= minTimeMs && *timeMs <= maxTimeMs, context());
    const QByteArray formatted = pk::Logfmt::formatTimestamp(*timeMs);
    FUZZ_CHECK(pk::Logfmt::parseTimestamp(formatted) == timeMs, context() + QStringLiteral(" as ") + show(formatted));
    if (text.size() == 24 && text.at(19) == '.') {
        // The writer's own form: formatting gives the same text, and QDateTime reads the same time
        // (QDate has no year 0).
        FUZZ_CHECK(formatted == text, context() + QStringLiteral(" as ") + show(formatted));
        if (!text.startsWith("0000")) {
            const QDateTime qt = QDateTime::fromString(QString::fromLatin1(text), Qt::ISODateWithMs);
            FUZZ_CHECK(qt.isValid() && qt.toMSecsSinceEpoch() == *timeMs,
                context() + QStringLiteral(": QDateTime reads %1").arg(qt.toMSecsSinceEpoch()));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));
    static const qint64 minTimeMs = *pk::Logfmt::parseTimestamp("0000-01-01T00:00:00.000Z");
    static const qint64 maxTimeMs = *pk::Logfmt::parseTimestamp("9999-12-31T23:59:59.999Z");

    // Every line, as the viewer reads them.
    pk::LogfmtLine reused;
    qsizetype start = 0;
    while (start < input.size()) {
        qsizetype end = input.indexOf('\n', start);
        if (end < 0)
            end = input.size();
        checkLine(input.sliced(start, end - start), reused);
        checkTimestamp(input.sliced(start, end - start), minTimeMs, maxTimeMs);
        start = end + 1;
    }

    // The input as a quoted value: decoded without reading past it, never longer.
    const QByteArray unescaped = pk::Logfmt::unescape(input);
    FUZZ_CHECK(unescaped.size() <= input.size(), show(input.toByteArray()));

    // Any time formats to 24 bytes that read back as that time, clamped to years 0000-9999.
    if (size >= sizeof(qint64)) {
        qint64 timeMs = 0;
        std::memcpy(&timeMs, data, sizeof timeMs);
        const QByteArray formatted = pk::Logfmt::formatTimestamp(timeMs);
        FUZZ_CHECK(formatted.size() == 24, show(formatted));
        FUZZ_CHECK(pk::Logfmt::parseTimestamp(formatted) == qBound(minTimeMs, timeMs, maxTimeMs),
            QString::number(timeMs) + QStringLiteral(" as ") + show(formatted));
    }

    // The input as a value (and as a key when it is a valid one) is written on one line and read
    // back the same.
    const QString text = utf8Text(input);
    pk::LogRecord record;
    record.timeMs = 1795515302123; // 2026-11-24T10:15:02.123Z
    record.level = pk::LogLevel::Warn;
    record.fields.append({ QStringLiteral("msg"), text });
    record.fields.append({ QStringLiteral("user"), text + text });
    if (pk::Logfmt::isValidKey(text))
        record.fields.append({ text, QStringLiteral("v") });
    FUZZ_CHECK(pk::Logfmt::validate(record).isOk(), QString());
    checkRoundTrip(record, [&]() -> QString { return QStringLiteral("value ") + show(input.toByteArray()); });

    // Keys validate() refuses are still written on one line that parses.
    pk::LogRecord badKey;
    badKey.fields.append({ text, text });
    const QByteArray written = pk::Logfmt::format(badKey);
    FUZZ_CHECK(written.count('\n') == 1, show(written));
    const pk::LogfmtLine parsed = pk::Logfmt::parse(QByteArrayView(written).chopped(1));
    FUZZ_CHECK(parsed.valid && parsed.fields.size() == 3, show(written));
    FUZZ_CHECK(pk::Logfmt::validate(badKey).isOk() == pk::Logfmt::isValidKey(text), show(written));
    return 0;
}
