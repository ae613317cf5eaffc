#pragma once

// One event of the migration log (inSyncMigration.log): time, level and ordered key/value
// fields. A value type: it crosses threads by value and is what the log writer takes.

#include <QByteArrayView>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace pk {

enum class LogLevel { Debug, Info, Warn, Error };

// "debug", "info", "warn", "error".
QString toString(LogLevel level);
// The four names in any case; "warning" is taken as warn (other tools write it).
std::optional<LogLevel> logLevelFromString(QByteArrayView text);
std::optional<LogLevel> logLevelFromString(QStringView text);

// Keys with a fixed meaning; other keys are allowed.
namespace logkey {
inline constexpr QLatin1String job("job");
inline constexpr QLatin1String user("user");
inline constexpr QLatin1String src("src");
inline constexpr QLatin1String dst("dst");
inline constexpr QLatin1String phase("phase");
inline constexpr QLatin1String bytes("bytes");
inline constexpr QLatin1String total("total");
inline constexpr QLatin1String msg("msg");
inline constexpr QLatin1String event("event"); // alert, summary, phase
inline constexpr QLatin1String durationMs("duration_ms");
inline constexpr QLatin1String rate("rate");
} // namespace logkey

struct LogField
{
    QString key;
    QString value;
    friend bool operator==(const LogField&, const LogField&) = default;
};

struct LogRecord
{
    qint64 timeMs = 0; // UTC, milliseconds since the epoch
    LogLevel level = LogLevel::Info;
    QList<LogField> fields; // in the order they are written; never "ts" or "level"

    // A record stamped with the current time.
    static LogRecord now(LogLevel level, const QString& message = {});

    // The value of the first field with this key; empty when there is none.
    QString field(QLatin1String key) const;
    QString field(const QString& key) const;
    bool contains(const QString& key) const;
    // Replaces the first field with this key, or appends one.
    void set(const QString& key, const QString& value);
    void set(const QString& key, qint64 value);

    friend bool operator==(const LogRecord&, const LogRecord&) = default;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::LogRecord)
