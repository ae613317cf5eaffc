#pragma once

// Shared pieces of the log viewer's tests: records like the engine writes them, the naive
// reading of a storage's whole log (every file decoded, split at '\n') that the index must match,
// and a document's rows as plain values.

#include "archive/compressedfilereader.h"
#include "logs/logdocument.h"
#include "logs/logfmt.h"
#include "logs/migrationlog.h"

#include <QByteArray>
#include <QFile>
#include <QList>

namespace pk::test {

// 2026-11-24T10:15:02.123Z
constexpr qint64 baseTimeMs = 1795515302123;

inline LogRecord engineRecord(qint64 timeMs, LogLevel level, qint64 job, const QString& user, const QString& event,
    const QString& message, const QString& phase = QStringLiteral("copying"),
    const QString& src = QStringLiteral("store-a"), const QString& dst = QStringLiteral("store-b"))
{
    LogRecord record;
    record.timeMs = timeMs;
    record.level = level;
    record.set(QStringLiteral("job"), job);
    record.set(QStringLiteral("user"), user);
    record.set(QStringLiteral("src"), src);
    record.set(QStringLiteral("dst"), dst);
    record.set(QStringLiteral("phase"), phase);
    record.set(QStringLiteral("event"), event);
    record.set(QStringLiteral("msg"), message);
    return record;
}

inline QList<QByteArray> splitLines(const QByteArray& data)
{
    QList<QByteArray> lines = data.split('\n');
    if (data.isEmpty() || data.endsWith('\n'))
        lines.removeLast();
    for (QByteArray& line : lines) {
        if (line.endsWith('\r'))
            line.chop(1);
    }
    return lines;
}

inline QByteArray decodeFile(const QString& path)
{
    CompressedFileReader reader;
    if (!reader.open(path))
        return {};
    QByteArray data;
    char buffer[65536];
    for (;;) {
        auto n = reader.read(buffer, sizeof buffer);
        if (!n || *n == 0)
            return data;
        data.append(buffer, *n);
    }
}

// Every line of a storage's log, oldest first, each file split on its own (as the viewer does).
inline QList<QByteArray> naiveLogLines(const QString& root)
{
    QList<QByteArray> lines;
    for (const QString& path : MigrationLog::files(root))
        lines += splitLines(decodeFile(path));
    return lines;
}

inline QList<QByteArray> documentLines(const LogDocument& document)
{
    QList<QByteArray> lines;
    (void)document.visitRows(0, document.indexedRowCount(), 0, [&](const LogRowBlock& block) {
        for (qsizetype i = 0; i < block.lines.count; ++i)
            lines.append(block.lines.line(i).toByteArray());
        return true;
    });
    return lines;
}

inline void appendRaw(const QString& path, const QByteArray& data)
{
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Append))
        file.write(data);
}

} // namespace pk::test
