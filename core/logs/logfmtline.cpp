#include "logfmtline.h"

#include "logfmt.h"

#include <QStringDecoder>

namespace pk {

QByteArray LogfmtField::value() const
{
    return escaped ? Logfmt::unescape(rawValue) : rawValue.toByteArray();
}

QString LogfmtField::text() const
{
    // Not QString::fromUtf8: it drops a U+FEFF that starts the value (taking it for a BOM).
    QStringDecoder decoder(
        QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    if (escaped)
        return decoder.decode(Logfmt::unescape(rawValue));
    return decoder.decode(rawValue);
}

qsizetype LogfmtLine::indexOf(QByteArrayView key) const
{
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (fields[i].key == key)
            return i;
    }
    return -1;
}

QString LogfmtLine::value(QByteArrayView key) const
{
    const qsizetype i = indexOf(key);
    return i < 0 ? QString() : fields[i].text();
}

std::optional<LogRecord> LogfmtLine::toRecord() const
{
    if (!valid || !timeMs || !level)
        return std::nullopt;
    LogRecord record;
    record.timeMs = *timeMs;
    record.level = *level;
    record.fields.reserve(fields.size());
    for (const LogfmtField& field : fields) {
        if (field.key == "ts" || field.key == "level")
            continue;
        record.fields.append({ QString::fromLatin1(field.key.data(), field.key.size()), field.text() });
    }
    return record;
}

void LogfmtLine::clear()
{
    valid = false;
    errorOffset = -1;
    timeMs.reset();
    level.reset();
    fields.clear();
}

} // namespace pk
