#pragma once

// One line of logfmt as the parser found it: views into the caller's line (nothing copied),
// values decoded only when asked for. Keep the line's bytes alive while you use the views.

#include "logrecord.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVarLengthArray>

#include <optional>

namespace pk {

struct LogfmtField
{
    QByteArrayView key;
    QByteArrayView rawValue; // quoted values: between the quotes, escapes not yet decoded
    bool quoted = false;
    bool escaped = false; // rawValue holds backslash escapes

    // The value's bytes with escapes decoded.
    QByteArray value() const;
    // The value decoded from UTF-8 (invalid sequences become U+FFFD).
    QString text() const;
};

struct LogfmtLine
{
    // True when the line is logfmt: one or more key=value pairs and nothing else. A line that is
    // not (free text, binary garbage) has no fields; show it whole.
    bool valid = false;
    // Where the scanner gave up (byte offset into the line); -1 for a valid line.
    qsizetype errorOffset = -1;
    // From the first ts= field, when it holds a valid timestamp.
    std::optional<qint64> timeMs;
    // From the first level= field, when it names a level.
    std::optional<LogLevel> level;
    // Every pair in line order, ts and level included.
    QVarLengthArray<LogfmtField, 16> fields;

    // Index of the first field with this key, or -1.
    qsizetype indexOf(QByteArrayView key) const;
    // The decoded text of the first field with this key; empty when there is none.
    QString value(QByteArrayView key) const;
    // The record of a valid line with a timestamp and a level; fields keep their order, ts and
    // level are left out of them.
    std::optional<LogRecord> toRecord() const;

    void clear();
};

} // namespace pk
