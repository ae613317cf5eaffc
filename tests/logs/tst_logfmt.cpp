// The logfmt dialect of inSyncMigration.log: exact formatting, format -> parse round trips,
// the exact outcome for malformed lines, and timestamps.

#include "logs/logfmt.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTest>

using namespace pk;

namespace {

LogRecord record(qint64 timeMs, LogLevel level, const QList<LogField>& fields)
{
    LogRecord r;
    r.timeMs = timeMs;
    r.level = level;
    r.fields = fields;
    return r;
}

constexpr qint64 sampleTime = 1795515302123; // 2026-11-24T10:15:02.123Z

qint64 utcMs(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int ms = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), Qt::UTC).toMSecsSinceEpoch();
}

} // namespace

class TestLogfmt : public QObject
{
    Q_OBJECT

private slots:
    void format_data();
    void format();
    void roundTrip_data();
    void roundTrip();
    void parseLines_data();
    void parseLines();
    void tsAndLevel_data();
    void tsAndLevel();
    void escapes_data();
    void escapes();
    void reuseAcrossLines();
    void validate_data();
    void validate();
    void levels_data();
    void levels();
    void timestamps_data();
    void timestamps();
    void invalidTimestamps_data();
    void invalidTimestamps();
    void timestampsAgainstQDateTime();
    void timestampClamping();
};

void TestLogfmt::format_data()
{
    QTest::addColumn<LogRecord>("input");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("design example")
        << record(sampleTime, LogLevel::Info,
               { { "job", "42" }, { "user", "alice" }, { "src", "store-a" }, { "dst", "store-c" },
                   { "phase", "copying" }, { "bytes", "1048576" }, { "total", "52428800" },
                   { "msg", "copied 12 chunks" } })
        << QByteArray("ts=2026-11-24T10:15:02.123Z level=info job=42 user=alice src=store-a dst=store-c phase=copying "
                      "bytes=1048576 total=52428800 msg=\"copied 12 chunks\"\n");
    QTest::newRow("no fields") << record(0, LogLevel::Debug, {})
                               << QByteArray("ts=1970-01-01T00:00:00.000Z level=debug\n");
    QTest::newRow("empty value") << record(0, LogLevel::Warn, { { "msg", "" } })
                                 << QByteArray("ts=1970-01-01T00:00:00.000Z level=warn msg=\"\"\n");
    QTest::newRow("quote, backslash, equals")
        << record(0, LogLevel::Error, { { "msg", R"(say "hi" a\b x=y)" } })
        << QByteArray(R"(ts=1970-01-01T00:00:00.000Z level=error msg="say \"hi\" a\\b x=y")"
                      "\n");
    QTest::newRow("newlines and tabs") << record(0, LogLevel::Info, { { "msg", "a\nb\r\nc\td" } })
                                       << QByteArray(R"(ts=1970-01-01T00:00:00.000Z level=info msg="a\nb\r\nc\td")"
                                                     "\n");
    QTest::newRow("other control characters")
        << record(0, LogLevel::Info, { { "msg", QString::fromUtf8("\x1b[31mred\x7f\x01") } })
        << QByteArray(R"(ts=1970-01-01T00:00:00.000Z level=info msg="\u001b[31mred\u007f\u0001")"
                      "\n");
    QTest::newRow("unicode stays unquoted")
        << record(0, LogLevel::Info, { { "user", QStringLiteral("jürgen-東京") } })
        << QByteArray("ts=1970-01-01T00:00:00.000Z level=info user=j\xc3\xbcrgen-\xe6\x9d\xb1\xe4\xba\xac\n");
    QTest::newRow("bad key bytes become _")
        << record(0, LogLevel::Info, { { "a b=c\"d", "1" }, { "", "2" }, { QStringLiteral("ключ"), "3" } })
        << QByteArray("ts=1970-01-01T00:00:00.000Z level=info a_b_c_d=1 _=2 ____=3\n");
}

void TestLogfmt::format()
{
    QFETCH(LogRecord, input);
    QFETCH(QByteArray, expected);
    QCOMPARE(Logfmt::format(input), expected);
    // Whatever the keys, the line parses.
    QVERIFY(Logfmt::parse(QByteArrayView(expected).chopped(1)).valid);
}

void TestLogfmt::roundTrip_data()
{
    QTest::addColumn<LogRecord>("input");

    QTest::newRow("plain") << record(sampleTime, LogLevel::Info, { { "job", "42" }, { "user", "alice" } });
    QTest::newRow("no fields") << record(sampleTime, LogLevel::Error, {});
    QTest::newRow("spaces") << record(sampleTime, LogLevel::Info, { { "msg", "  leading and trailing  " } });
    QTest::newRow("quotes") << record(sampleTime, LogLevel::Info, { { "msg", R"("""")" }, { "x", R"(")" } });
    QTest::newRow("backslashes") << record(sampleTime, LogLevel::Info, { { "path", R"(C:\dir\file \\server\)" } });
    QTest::newRow("equals") << record(sampleTime, LogLevel::Info, { { "expr", "a=b=c" }, { "eq", "=" } });
    QTest::newRow("empty values") << record(sampleTime, LogLevel::Warn, { { "a", "" }, { "b", "" }, { "c", "x" } });
    QTest::newRow("unicode") << record(sampleTime, LogLevel::Info,
        { { "user", QStringLiteral("Zoë 🙂 東京") },
            { "msg", QStringLiteral("naïve café \u2028 line separator") } });
    QTest::newRow("newlines in msg") << record(
        sampleTime, LogLevel::Error, { { "msg", "first line\nsecond line\r\nthird\n" }, { "after", "still here" } });
    QTest::newRow("all control characters") << [] {
        QString value;
        for (char16_t c = 0; c < 0x20; ++c)
            value += QChar(c);
        value += QChar(0x7f);
        return record(sampleTime, LogLevel::Debug, { { "ctl", value } });
    }();
    QTest::newRow("escape lookalikes") << record(sampleTime, LogLevel::Info, { { "msg", R"(\n \u0041 \" \\)" } });
    QTest::newRow("very long value") << record(
        sampleTime, LogLevel::Info, { { "msg", QString(1 << 20, u'x') + u' ' + QString(1000, u'"') }, { "job", "7" } });
    QTest::newRow("many fields") << [] {
        LogRecord r = record(sampleTime, LogLevel::Info, {});
        for (int i = 0; i < 200; ++i)
            r.fields.append({ QStringLiteral("k%1").arg(i), QStringLiteral("v %1").arg(i) });
        return r;
    }();
    QTest::newRow("duplicate keys keep their order")
        << record(sampleTime, LogLevel::Info, { { "a", "1" }, { "b", "2" }, { "a", "3" } });
    QTest::newRow("before 1970") << record(-86400000 * 365LL, LogLevel::Info, { { "old", "yes" } });
    QTest::newRow("year 9999") << record(utcMs(9999, 12, 31, 23, 59, 59, 999), LogLevel::Info, {});
}

void TestLogfmt::roundTrip()
{
    QFETCH(LogRecord, input);
    const QByteArray line = Logfmt::format(input);
    // Exactly one line, whatever the values hold.
    QVERIFY(line.endsWith('\n'));
    QCOMPARE(line.count('\n'), 1);
    QCOMPARE(line.count('\r'), 0);

    const LogfmtLine parsed = Logfmt::parse(QByteArrayView(line).chopped(1));
    QVERIFY2(parsed.valid, qPrintable(QStringLiteral("invalid at %1").arg(parsed.errorOffset)));
    QCOMPARE(parsed.errorOffset, qsizetype(-1));
    QCOMPARE(parsed.fields.size(), input.fields.size() + 2);
    QCOMPARE(parsed.fields[0].key, QByteArrayView("ts"));
    QCOMPARE(parsed.fields[1].key, QByteArrayView("level"));
    const std::optional<LogRecord> back = parsed.toRecord();
    QVERIFY(back.has_value());
    QCOMPARE(back->timeMs, input.timeMs);
    QCOMPARE(int(back->level), int(input.level));
    QCOMPARE(back->fields.size(), input.fields.size());
    for (qsizetype i = 0; i < input.fields.size(); ++i) {
        QCOMPARE(back->fields[i].key, input.fields[i].key);
        QCOMPARE(back->fields[i].value, input.fields[i].value);
    }
    QVERIFY(*back == input);
    // A trailing CR (a CRLF file) changes nothing.
    const QByteArray crlf = line.chopped(1) + "\r";
    QVERIFY(Logfmt::parse(crlf).toRecord() == input);
}

void TestLogfmt::parseLines_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qlonglong>("errorOffset");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QStringList>("values");

    auto row
        = [](const char* name, const QByteArray& line, bool valid, qlonglong offset, const QStringList& keys = {},
              const QStringList& values = {}) { QTest::newRow(name) << line << valid << offset << keys << values; };
    row("simple", "a=1 b=two", true, -1, { "a", "b" }, { "1", "two" });
    row("quoted", R"(msg="hello world" x=1)", true, -1, { "msg", "x" }, { "hello world", "1" });
    row("key with empty bare value", "job= user=alice", true, -1, { "job", "user" }, { "", "alice" });
    row("empty bare value at the end", "job=", true, -1, { "job" }, { "" });
    row("empty quoted value", R"(a="")", true, -1, { "a" }, { "" });
    row("tab separators", "a=1\tb=2", true, -1, { "a", "b" }, { "1", "2" });
    row("leading and trailing spaces", "   a=1   b=2   ", true, -1, { "a", "b" }, { "1", "2" });
    row("CRLF", "a=1 b=bob\r", true, -1, { "a", "b" }, { "1", "bob" });
    row("backslash in a bare value is literal", R"(path=C:\x\y)", true, -1, { "path" }, { R"(C:\x\y)" });
    row("raw tab inside quotes", "msg=\"a\tb\"", true, -1, { "msg" }, { "a\tb" });
    row("non-UTF-8 value", "v=\xff\xfe", true, -1, { "v" }, { QString(2, QChar(0xfffd)) });
    row("punctuation in keys", "a.b-c_d/e:f=1", true, -1, { "a.b-c_d/e:f" }, { "1" });

    row("empty line", "", false, 0);
    row("only spaces", "    ", false, 4);
    row("only CR", "\r", false, 0);
    row("free text", "Starting migration of user alice", false, 8);
    row("bare key", "job", false, 3);
    row("bare key then pair", "job user=alice", false, 3);
    row("pair then bare word", "user=alice done", false, 15);
    row("=value", "=value", false, 0);
    row("space before =", "a =1", false, 1);
    row("unterminated quote", R"(a=1 msg="abc)", false, 12);
    row("quote at the very end", R"(msg=")", false, 5);
    row("quote inside a bare value", R"(msg=a"b)", false, 5);
    row("equals inside a bare value", "a=b=c", false, 3);
    row("text right after the closing quote", R"(msg="a"b)", false, 7);
    row("unknown escape", R"(msg="a\qb")", false, 6);
    row("short unicode escape", R"(msg="\u12")", false, 5);
    row("backslash at the very end", R"(msg="a\)", false, 6);
    row("control byte in quotes", "msg=\"a\x01b\"", false, 6);
    row("newline in quotes", "msg=\"a\nb\"", false, 6);
    row("CR in the middle", "a=1\rb=2", false, 3);
    row("NUL byte", QByteArray("a=1\0b=2", 7), false, 3);
    row("garbage bytes", QByteArray("\x00\x01\xff\xfe binary", 11), false, 0);
    row("non-ASCII key", "ключ=1", false, 0);
    row("quoted key", R"("a"=1)", false, 0);
    row("10 MiB value", "msg=" + QByteArray(10 << 20, 'x'), true, -1, { "msg" }, { QString(10 << 20, u'x') });
    row("10 MiB of free text", QByteArray("word ").repeated(2 << 20), false, 4);
    row("10 MiB unterminated quote", "msg=\"" + QByteArray(10 << 20, 'x'), false, (10 << 20) + 5);
}

void TestLogfmt::parseLines()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, valid);
    QFETCH(qlonglong, errorOffset);
    QFETCH(QStringList, keys);
    QFETCH(QStringList, values);

    const LogfmtLine parsed = Logfmt::parse(line);
    QCOMPARE(parsed.valid, valid);
    QCOMPARE(qlonglong(parsed.errorOffset), errorOffset);
    QCOMPARE(parsed.fields.size(), keys.size());
    for (qsizetype i = 0; i < keys.size(); ++i) {
        QCOMPARE(QString::fromLatin1(parsed.fields[i].key.toByteArray()), keys[i]);
        QCOMPARE(parsed.fields[i].text(), values[i]);
    }
    if (!valid) {
        QVERIFY(!parsed.timeMs);
        QVERIFY(!parsed.level);
        QVERIFY(!parsed.toRecord());
    }
}

void TestLogfmt::tsAndLevel_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("hasTime");
    QTest::addColumn<qlonglong>("timeMs");
    QTest::addColumn<int>("level"); // -1: none
    QTest::addColumn<bool>("hasRecord");

    QTest::newRow("both") << QByteArray("ts=2026-11-24T10:15:02.123Z level=warn job=1") << true << qlonglong(sampleTime)
                          << int(LogLevel::Warn) << true;
    QTest::newRow("anywhere in the line") << QByteArray("job=1 level=error ts=2026-11-24T10:15:02.123Z") << true
                                          << qlonglong(sampleTime) << int(LogLevel::Error) << true;
    QTest::newRow("first ts wins") << QByteArray("ts=2026-11-24T10:15:02.123Z ts=1970-01-01T00:00:00.000Z level=info")
                                   << true << qlonglong(sampleTime) << int(LogLevel::Info) << true;
    QTest::newRow("bad first ts is not replaced by a later one")
        << QByteArray("ts=yesterday ts=2026-11-24T10:15:02.123Z level=info") << false << qlonglong(0)
        << int(LogLevel::Info) << false;
    QTest::newRow("quoted values") << QByteArray(R"(ts="2026-11-24T10:15:02.123Z" level="debug")") << true
                                   << qlonglong(sampleTime) << int(LogLevel::Debug) << true;
    QTest::newRow("level in capitals, warning") << QByteArray("ts=2026-11-24T10:15:02.123Z level=WARNING") << true
                                                << qlonglong(sampleTime) << int(LogLevel::Warn) << true;
    QTest::newRow("unknown level") << QByteArray("ts=2026-11-24T10:15:02.123Z level=fatal") << true
                                   << qlonglong(sampleTime) << -1 << false;
    QTest::newRow("no ts") << QByteArray("level=info msg=x") << false << qlonglong(0) << int(LogLevel::Info) << false;
    QTest::newRow("invalid ts") << QByteArray("ts=2026-02-30T00:00:00.000Z level=info") << false << qlonglong(0)
                                << int(LogLevel::Info) << false;
}

void TestLogfmt::tsAndLevel()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, hasTime);
    QFETCH(qlonglong, timeMs);
    QFETCH(int, level);
    QFETCH(bool, hasRecord);

    const LogfmtLine parsed = Logfmt::parse(line);
    QVERIFY(parsed.valid); // a bad ts or level does not make the line any less logfmt
    QCOMPARE(parsed.timeMs.has_value(), hasTime);
    if (hasTime)
        QCOMPARE(*parsed.timeMs, timeMs);
    QCOMPARE(parsed.level.has_value(), level >= 0);
    if (level >= 0)
        QCOMPARE(int(*parsed.level), level);
    const auto r = parsed.toRecord();
    QCOMPARE(r.has_value(), hasRecord);
    if (r) {
        for (const LogField& f : r->fields)
            QVERIFY(f.key != QLatin1String("ts") && f.key != QLatin1String("level"));
    }
}

void TestLogfmt::escapes_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("value");
    QTest::newRow("simple escapes") << QByteArray(R"(m="a\"b\\c\nd\re\tf")") << QStringLiteral("a\"b\\c\nd\re\tf");
    QTest::newRow("unicode escape") << QByteArray(R"(m="\u00e9\u001b")") << QStringLiteral("é\x1b");
    QTest::newRow("upper-case hex") << QByteArray(R"(m="\u00E9")") << QStringLiteral("é");
    QTest::newRow("surrogate pair") << QByteArray(R"(m="\ud83d\ude00!")") << QStringLiteral("😀!");
    QTest::newRow("lone high surrogate") << QByteArray(R"(m="\ud83dx")") << QString(QChar(0xfffd)) + u'x';
    QTest::newRow("lone low surrogate") << QByteArray(R"(m="\ude00")") << QString(QChar(0xfffd));
    QTest::newRow("raw UTF-8") << QByteArray("m=\"gr\xc3\xbc\xc3\x9f dich\"") << QStringLiteral("grüß dich");
}

void TestLogfmt::escapes()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, value);
    const LogfmtLine parsed = Logfmt::parse(line);
    QVERIFY(parsed.valid);
    QCOMPARE(parsed.fields.size(), 1);
    QVERIFY(parsed.fields[0].quoted);
    QCOMPARE(parsed.fields[0].text(), value);
    QCOMPARE(parsed.fields[0].value(), value.toUtf8());
    QCOMPARE(parsed.value("m"), value);
    QCOMPARE(parsed.value("missing"), QString());
}

void TestLogfmt::reuseAcrossLines()
{
    // One LogfmtLine for many lines, as the viewer's indexer uses it: nothing of an earlier line
    // survives into a later one.
    LogfmtLine parsed;
    Logfmt::parse("ts=2026-11-24T10:15:02.123Z level=info a=1 b=2 c=3", parsed);
    QVERIFY(parsed.valid);
    QCOMPARE(parsed.fields.size(), 5);
    Logfmt::parse("not logfmt at all", parsed);
    QVERIFY(!parsed.valid);
    QCOMPARE(parsed.fields.size(), 0);
    QVERIFY(!parsed.timeMs);
    QVERIFY(!parsed.level);
    const QByteArray third = "x=\"y z\"";
    Logfmt::parse(third, parsed);
    QVERIFY(parsed.valid);
    QCOMPARE(parsed.errorOffset, qsizetype(-1));
    QCOMPARE(parsed.fields.size(), 1);
    QCOMPARE(parsed.indexOf("x"), qsizetype(0));
    QCOMPARE(parsed.indexOf("a"), qsizetype(-1));
    // The views point into the line given.
    QCOMPARE(parsed.fields[0].rawValue.data(), third.constData() + 3);
}

void TestLogfmt::validate_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("valid");
    QTest::newRow("job") << QStringLiteral("job") << true;
    QTest::newRow("duration_ms") << QStringLiteral("duration_ms") << true;
    QTest::newRow("dotted") << QStringLiteral("a.b-c/d") << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("space") << QStringLiteral("a b") << false;
    QTest::newRow("equals") << QStringLiteral("a=b") << false;
    QTest::newRow("quote") << QStringLiteral("a\"b") << false;
    QTest::newRow("newline") << QStringLiteral("a\nb") << false;
    QTest::newRow("non-ASCII") << QStringLiteral("ключ") << false;
    QTest::newRow("ts") << QStringLiteral("ts") << false;
    QTest::newRow("level") << QStringLiteral("level") << false;
}

void TestLogfmt::validate()
{
    QFETCH(QString, key);
    QFETCH(bool, valid);
    QCOMPARE(Logfmt::isValidKey(key), valid);
    const Status status = Logfmt::validate(record(0, LogLevel::Info, { { "ok", "1" }, { key, "v" } }));
    QCOMPARE(status.isOk(), valid);
    if (!valid) {
        QCOMPARE(status.error().code, ErrorCode::Usage);
        QVERIFY2(status.message().contains(key), qPrintable(status.message()));
    }
}

void TestLogfmt::levels_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("level"); // -1: not a level
    QTest::newRow("debug") << QStringLiteral("debug") << int(LogLevel::Debug);
    QTest::newRow("info") << QStringLiteral("info") << int(LogLevel::Info);
    QTest::newRow("warn") << QStringLiteral("warn") << int(LogLevel::Warn);
    QTest::newRow("warning") << QStringLiteral("warning") << int(LogLevel::Warn);
    QTest::newRow("ERROR") << QStringLiteral("ERROR") << int(LogLevel::Error);
    QTest::newRow("empty") << QString() << -1;
    QTest::newRow("fatal") << QStringLiteral("fatal") << -1;
    QTest::newRow("prefix") << QStringLiteral("inf") << -1;
    QTest::newRow("longer") << QStringLiteral("infos") << -1;
}

void TestLogfmt::levels()
{
    QFETCH(QString, text);
    QFETCH(int, level);
    const auto fromText = logLevelFromString(QStringView(text));
    const QByteArray bytes = text.toUtf8();
    const auto fromBytes = logLevelFromString(QByteArrayView(bytes));
    QCOMPARE(fromText.has_value(), level >= 0);
    QCOMPARE(fromBytes.has_value(), level >= 0);
    if (level >= 0) {
        QCOMPARE(int(*fromText), level);
        QCOMPARE(int(*fromBytes), level);
        // toString gives the canonical lower-case name back.
        QCOMPARE(logLevelFromString(QStringView(toString(*fromText))), fromText);
        QCOMPARE(toString(*fromText), toString(*fromText).toLower());
    }
}

void TestLogfmt::timestamps_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qlonglong>("expected");
    QTest::addColumn<QByteArray>("canonical"); // what formatTimestamp gives back

    auto row = [](const char* text, qint64 ms, const char* canonical = nullptr) {
        QTest::newRow(text) << QByteArray(text) << qlonglong(ms) << QByteArray(canonical ? canonical : text);
    };
    row("1970-01-01T00:00:00.000Z", 0);
    row("2026-11-24T10:15:02.123Z", sampleTime);
    row("1969-12-31T23:59:59.999Z", -1);
    row("2024-02-29T12:00:00.000Z", utcMs(2024, 2, 29, 12));
    row("2000-02-29T00:00:00.000Z", utcMs(2000, 2, 29));
    row("1900-02-28T23:59:59.999Z", utcMs(1900, 2, 28, 23, 59, 59, 999));
    row("2100-03-01T00:00:00.000Z", utcMs(2100, 3, 1));
    row("2026-12-31T23:59:59.999Z", utcMs(2026, 12, 31, 23, 59, 59, 999));
    row("2038-01-19T03:14:08.000Z", 2147483648000LL); // past a 32-bit time_t
    row("0000-01-01T00:00:00.000Z", -62167219200000LL);
    row("9999-12-31T23:59:59.999Z", 253402300799999LL);
    row("2026-11-24T10:15:02Z", utcMs(2026, 11, 24, 10, 15, 2), "2026-11-24T10:15:02.000Z");
    row("2026-11-24T10:15:02.1Z", utcMs(2026, 11, 24, 10, 15, 2, 100), "2026-11-24T10:15:02.100Z");
    row("2026-11-24T10:15:02.123456789Z", sampleTime, "2026-11-24T10:15:02.123Z");
}

void TestLogfmt::timestamps()
{
    QFETCH(QByteArray, text);
    QFETCH(qlonglong, expected);
    QFETCH(QByteArray, canonical);
    const auto parsed = Logfmt::parseTimestamp(text);
    QVERIFY(parsed.has_value());
    QCOMPARE(qlonglong(*parsed), expected);
    QCOMPARE(Logfmt::formatTimestamp(expected), canonical);
    QCOMPARE(Logfmt::parseTimestamp(canonical), std::optional<qint64>(expected));
}

void TestLogfmt::invalidTimestamps_data()
{
    QTest::addColumn<QByteArray>("text");
    for (const char* text : { "", "2026-11-24", "2026-11-24T10:15:02.123", "2026-11-24T10:15:02.123+01:00",
             "2026-11-24t10:15:02.123Z", "2026-11-24T10:15:02.123z", "2026-11-24 10:15:02.123Z",
             " 2026-11-24T10:15:02.123Z", "2026-11-24T10:15:02.123Z ", "2026-11-24T10:15:02.123Zjunk",
             "2026-02-29T00:00:00.000Z", "1900-02-29T00:00:00.000Z", "2026-04-31T00:00:00.000Z",
             "2026-13-01T00:00:00.000Z", "2026-00-10T00:00:00.000Z", "2026-11-00T00:00:00.000Z",
             "2026-11-24T24:00:00.000Z", "2026-11-24T23:60:00.000Z", "2026-11-24T23:59:60.000Z",
             "2026-11-24T10:15:02.Z", "2026-11-24T10:15:02.1234567890Z", "2026-11-24T10:15:02,123Z",
             "+2026-11-24T10:15:02.123Z", "-001-11-24T10:15:02.123Z", "20261124T101502.123Z", "2026-1-24T10:15:02.123Z",
             "2026-11-24T10:15:0x.123Z", "yesterday at noon, roughly" })
        QTest::newRow(*text ? text : "empty") << QByteArray(text);
    QTest::newRow("NUL inside") << QByteArray("2026-11-24T10:15:02\0"
                                              "123Z",
        24);
}

void TestLogfmt::invalidTimestamps()
{
    QFETCH(QByteArray, text);
    QVERIFY(!Logfmt::parseTimestamp(text).has_value());
}

void TestLogfmt::timestampsAgainstQDateTime()
{
    // QDateTime as the independent oracle, over the whole supported range.
    QRandomGenerator random(2026);
    const qint64 min = utcMs(0, 1, 1);
    const qint64 max = utcMs(9999, 12, 31, 23, 59, 59, 999);
    for (int i = 0; i < 20000; ++i) {
        const qint64 ms = min + qint64(random.bounded(double(max - min)));
        const QByteArray text = Logfmt::formatTimestamp(ms);
        const QDateTime oracle = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
        const QByteArray expected = QStringLiteral("%1-%2")
                                        .arg(oracle.date().year(), 4, 10, QLatin1Char('0'))
                                        .arg(oracle.toString(QStringLiteral("MM-ddTHH:mm:ss.zzzZ")))
                                        .toLatin1();
        QCOMPARE(text, expected);
        QCOMPARE(Logfmt::parseTimestamp(text), std::optional<qint64>(ms));
    }
}

void TestLogfmt::timestampClamping()
{
    QCOMPARE(Logfmt::formatTimestamp(std::numeric_limits<qint64>::max()), QByteArray("9999-12-31T23:59:59.999Z"));
    QCOMPARE(Logfmt::formatTimestamp(std::numeric_limits<qint64>::min()), QByteArray("0000-01-01T00:00:00.000Z"));
    QCOMPARE(Logfmt::formatTimestamp(-62167219200001LL), QByteArray("0000-01-01T00:00:00.000Z"));
}

QTEST_GUILESS_MAIN(TestLogfmt)
#include "tst_logfmt.moc"
