#pragma once

// One row of the log viewer: a line of inSyncMigration.log split into its columns, with the
// storage it came from; a line that is not logfmt is kept whole as the message.

#include "logrecord.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace pk {

struct LogfmtLine;

struct LogRow
{
    qint64 row = -1; // in the document
    int source = -1; // index of the storage in the document
    QString storage;
    QByteArray raw; // the line without '\n' (and without a '\r' before it)

    bool logfmt = false;
    std::optional<qint64> timeMs;
    std::optional<LogLevel> level;
    std::optional<qint64> job; // job= when it is a number
    QString jobText; // job= as written
    QString user;
    QString src;
    QString dst;
    QString phase;
    QString event;
    QString message; // msg=; for a line that is not logfmt, the whole line
    QString extra; // the other fields as written ("bytes=1048576 total=52428800"), for display

    // Splits a line into its columns. Never fails: anything that is not logfmt is raw text.
    static LogRow parse(QByteArrayView line);
    static LogRow fromParsed(QByteArrayView line, const LogfmtLine& parsed);

    // "2026-11-24 10:15:02.123" (UTC) or empty.
    QString timeText() const;
    // The raw line decoded from UTF-8.
    QString text() const { return QString::fromUtf8(raw); }
    // The object `poolkeeper-cli log --json` prints: time, level, job, user, src, dst, phase,
    // event, msg and storage when present; raw when the line is not logfmt.
    QJsonObject toJson() const;
};

// The ts= value at the start of a line (writers put it first), else the first " ts=" in the
// line's first 256 bytes: the cheap timestamp the merge of several logs needs.
std::optional<qint64> leadingTimestamp(QByteArrayView line);

// A job= value as a number: decimal digits only, at most 18 of them; nullopt otherwise.
std::optional<qint64> parseJobId(QByteArrayView value);

// "+0.250 s", "+12.3 s", "+5 m 02 s", "+3 h 04 m": time since a job's previous line.
QString formatElapsed(qint64 ms);

} // namespace pk

Q_DECLARE_METATYPE(pk::LogRow)
