#include "logrecord.h"

#include <QDateTime>

namespace pk {

namespace {

template<typename Text> std::optional<LogLevel> levelFrom(Text text)
{
    auto is = [&](const char* name) { return text.compare(QLatin1String(name), Qt::CaseInsensitive) == 0; };
    if (is("info"))
        return LogLevel::Info;
    if (is("warn") || is("warning"))
        return LogLevel::Warn;
    if (is("error"))
        return LogLevel::Error;
    if (is("debug"))
        return LogLevel::Debug;
    return std::nullopt;
}

} // namespace

QString toString(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug:
        return QStringLiteral("debug");
    case LogLevel::Info:
        return QStringLiteral("info");
    case LogLevel::Warn:
        return QStringLiteral("warn");
    case LogLevel::Error:
        return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

std::optional<LogLevel> logLevelFromString(QByteArrayView text)
{
    return levelFrom(QLatin1String(text.data(), text.size()));
}

std::optional<LogLevel> logLevelFromString(QStringView text)
{
    return levelFrom(text);
}

LogRecord LogRecord::now(LogLevel level, const QString& message)
{
    LogRecord record;
    record.timeMs = QDateTime::currentMSecsSinceEpoch();
    record.level = level;
    if (!message.isNull())
        record.set(logkey::msg, message);
    return record;
}

QString LogRecord::field(QLatin1String key) const
{
    for (const LogField& f : fields) {
        if (f.key == key)
            return f.value;
    }
    return {};
}

QString LogRecord::field(const QString& key) const
{
    for (const LogField& f : fields) {
        if (f.key == key)
            return f.value;
    }
    return {};
}

bool LogRecord::contains(const QString& key) const
{
    for (const LogField& f : fields) {
        if (f.key == key)
            return true;
    }
    return false;
}

void LogRecord::set(const QString& key, const QString& value)
{
    for (LogField& f : fields) {
        if (f.key == key) {
            f.value = value;
            return;
        }
    }
    fields.append({ key, value });
}

void LogRecord::set(const QString& key, qint64 value)
{
    set(key, QString::number(value));
}

} // namespace pk
