#include "logrow.h"

#include "logfmt.h"
#include "logfmtline.h"

#include <cstring>

namespace pk {

std::optional<qint64> parseJobId(QByteArrayView value)
{
    if (value.isEmpty() || value.size() > 18)
        return std::nullopt;
    qint64 number = 0;
    for (const char c : value) {
        if (c < '0' || c > '9')
            return std::nullopt;
        number = number * 10 + (c - '0');
    }
    return number;
}

LogRow LogRow::parse(QByteArrayView line)
{
    LogfmtLine parsed;
    Logfmt::parse(line, parsed);
    return fromParsed(line, parsed);
}

LogRow LogRow::fromParsed(QByteArrayView line, const LogfmtLine& parsed)
{
    LogRow row;
    row.raw = line.toByteArray();
    if (row.raw.endsWith('\r'))
        row.raw.chop(1);
    if (!parsed.valid) {
        row.message = QString::fromUtf8(row.raw);
        return row;
    }
    row.logfmt = true;
    row.timeMs = parsed.timeMs;
    row.level = parsed.level;
    bool seen[7] = {};
    for (const LogfmtField& field : parsed.fields) {
        const QByteArrayView key = field.key;
        int slot = -1;
        if (key == "job")
            slot = 0;
        else if (key == "user")
            slot = 1;
        else if (key == "src")
            slot = 2;
        else if (key == "dst")
            slot = 3;
        else if (key == "phase")
            slot = 4;
        else if (key == "event")
            slot = 5;
        else if (key == "msg")
            slot = 6;
        if (slot < 0) {
            if (key != "ts" && key != "level") {
                if (!row.extra.isEmpty())
                    row.extra += u' ';
                row.extra += QString::fromUtf8(key) + u'=' + (field.quoted ? u'"' + field.text() + u'"' : field.text());
            }
            continue;
        }
        if (seen[slot])
            continue; // the first of a repeated key counts, as in LogfmtLine::value()
        seen[slot] = true;
        switch (slot) {
        case 0:
            row.jobText = field.text();
            row.job = field.escaped ? parseJobId(field.value()) : parseJobId(field.rawValue);
            break;
        case 1:
            row.user = field.text();
            break;
        case 2:
            row.src = field.text();
            break;
        case 3:
            row.dst = field.text();
            break;
        case 4:
            row.phase = field.text();
            break;
        case 5:
            row.event = field.text();
            break;
        case 6:
            row.message = field.text();
            break;
        }
    }
    return row;
}

QString LogRow::timeText() const
{
    if (!timeMs)
        return {};
    QByteArray text = Logfmt::formatTimestamp(*timeMs);
    text[10] = ' ';
    text.chop(1); // the 'Z': the column header says UTC
    return QString::fromLatin1(text);
}

QJsonObject LogRow::toJson() const
{
    QJsonObject object;
    if (timeMs)
        object.insert(QStringLiteral("time"), QString::fromLatin1(Logfmt::formatTimestamp(*timeMs)));
    if (level)
        object.insert(QStringLiteral("level"), toString(*level));
    if (job)
        object.insert(QStringLiteral("job"), *job);
    else if (!jobText.isEmpty())
        object.insert(QStringLiteral("job"), jobText);
    auto put = [&](const QString& key, const QString& value) {
        if (!value.isEmpty())
            object.insert(key, value);
    };
    put(QStringLiteral("user"), user);
    put(QStringLiteral("src"), src);
    put(QStringLiteral("dst"), dst);
    put(QStringLiteral("phase"), phase);
    put(QStringLiteral("event"), event);
    if (logfmt)
        put(QStringLiteral("msg"), message);
    object.insert(QStringLiteral("storage"), storage);
    if (!logfmt)
        object.insert(QStringLiteral("raw"), QString::fromUtf8(raw));
    return object;
}

std::optional<qint64> leadingTimestamp(QByteArrayView line)
{
    auto valueAt = [&](qsizetype start) -> std::optional<qint64> {
        qsizetype end = start;
        while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r')
            ++end;
        return Logfmt::parseTimestamp(line.sliced(start, end - start));
    };
    if (line.startsWith("ts="))
        return valueAt(3);
    const QByteArrayView head = line.first(qMin<qsizetype>(line.size(), 256));
    const qsizetype at = head.indexOf(" ts=");
    if (at < 0)
        return std::nullopt;
    return valueAt(at + 4);
}

QString formatElapsed(qint64 ms)
{
    const QString sign = ms < 0 ? QStringLiteral("-") : QStringLiteral("+");
    ms = qAbs(ms);
    if (ms < 10000)
        return sign + QString::number(double(ms) / 1000.0, 'f', 3) + QStringLiteral(" s");
    if (ms < 60000)
        return sign + QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
    const qint64 seconds = ms / 1000;
    if (seconds < 3600)
        return sign + QStringLiteral("%1 m %2 s").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    if (seconds < 86400)
        return sign + QStringLiteral("%1 h %2 m").arg(seconds / 3600).arg(seconds / 60 % 60, 2, 10, QLatin1Char('0'));
    return sign + QStringLiteral("%1 d %2 h").arg(seconds / 86400).arg(seconds / 3600 % 24, 2, 10, QLatin1Char('0'));
}

} // namespace pk
