#pragma once

// The logfmt of inSyncMigration.log: formatting for the writer, and a single-pass byte scanner
// fast enough for the viewer to index gigabytes (`ts=… level=info job=42 msg="copied 12 chunks"`).

#include "logfmtline.h"
#include "logrecord.h"
#include "util/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

#include <optional>

namespace pk {

class Logfmt
{
public:
    // Exactly one line ending in '\n': ts, level, then the fields in order. A value is quoted
    // when it is empty or holds a space, '=', '"', '\' or a control character; inside quotes
    // \" \\ \n \r \t and \u00XX (other control characters) are escaped, so a value never breaks
    // the line. Keys that validate() refuses are still written, with bad bytes replaced by '_'.
    static QByteArray format(const LogRecord& record);
    static void formatTo(QByteArray& out, const LogRecord& record);

    // Keys are non-empty printable ASCII without space, '=' or '"', and not ts or level.
    static bool isValidKey(QStringView key);
    static Status validate(const LogRecord& record);

    // Parses one line without its '\n' (a trailing '\r' is ignored). Reuses out's storage, so a
    // loop over many lines allocates nothing once the field list has grown. Grammar:
    //   line  = sep* pair (sep+ pair)* sep*          sep = ' ' | '\t'
    //   pair  = key '=' (quoted | bare)              key = 1*(printable ASCII except '=' '"')
    //   bare  = *(any byte except sep '=' '"' and control bytes)
    //   quoted = '"' *(byte except '"' '\' control, or tab, or \" \\ \n \r \t \uXXXX) '"'
    static void parse(QByteArrayView line, LogfmtLine& out);
    static LogfmtLine parse(QByteArrayView line);

    // "2026-11-24T10:15:02.123Z" (0 to 9 fraction digits, UTC only, years 0000-9999) to
    // milliseconds since the epoch; nullopt for anything else, including impossible dates.
    static std::optional<qint64> parseTimestamp(QByteArrayView text);
    // Always 24 bytes with milliseconds; times outside years 0000-9999 are clamped to them.
    static QByteArray formatTimestamp(qint64 timeMs);

    // Decodes the escapes of a quoted value (as parse() accepted it).
    static QByteArray unescape(QByteArrayView raw);
};

} // namespace pk
