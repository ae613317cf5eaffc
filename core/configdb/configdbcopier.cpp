#include "configdbcopier.h"

#include <QCryptographicHash>
#include <QSqlRecord>

#include <algorithm>

namespace pk {

namespace {

// A value as both backends return it for the same stored value: integers, doubles, text, NULL.
void appendCanonical(QByteArray& out, const QVariant& value)
{
    if (value.isNull()) {
        out += "\x01N";
    } else {
        switch (value.typeId()) {
        case QMetaType::Double:
        case QMetaType::Float:
            out += "\x01"
                   "D"
                + QByteArray::number(value.toDouble(), 'g', 17);
            break;
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
        case QMetaType::Bool:
            out += "\x01I" + QByteArray::number(value.toLongLong());
            break;
        default:
            out += "\x01T" + value.toString().toUtf8();
            break;
        }
    }
}

Result<QStringList> columnsOf(ConfigDb& db, const QString& table)
{
    auto query = db.exec(QStringLiteral("SELECT * FROM %1 WHERE 1 = 0").arg(table));
    if (!query)
        return query.error();
    QStringList columns;
    const QSqlRecord record = query->record();
    for (int i = 0; i < record.count(); ++i)
        columns.append(record.fieldName(i));
    return columns;
}

} // namespace

const QStringList& ConfigDbCopier::tables()
{
    static const QStringList names = { QStringLiteral("pools"), QStringLiteral("storages"), QStringLiteral("users"),
        QStringLiteral("snapshots"), QStringLiteral("scans"), QStringLiteral("scan_results"), QStringLiteral("plans"),
        QStringLiteral("plan_moves"), QStringLiteral("jobs"), QStringLiteral("alerts"),
        QStringLiteral("capacity_samples"), QStringLiteral("claims") };
    return names;
}

Result<QList<TableDigest>> ConfigDbCopier::digest(ConfigDb& db)
{
    QList<TableDigest> digests;
    for (const QString& table : tables()) {
        auto columns = columnsOf(db, table);
        if (!columns)
            return columns.error();
        auto query = db.exec(QStringLiteral("SELECT %1 FROM %2").arg(columns->join(QStringLiteral(", ")), table));
        if (!query)
            return query.error();
        QList<QByteArray> rows;
        while (query->next()) {
            QByteArray row;
            for (int i = 0; i < columns->size(); ++i)
                appendCanonical(row, query->value(i));
            rows.append(QCryptographicHash::hash(row, QCryptographicHash::Sha256));
        }
        // Sorted digests: the checksum does not depend on the order each backend returns rows in.
        std::sort(rows.begin(), rows.end());
        QCryptographicHash all(QCryptographicHash::Sha256);
        for (const QByteArray& row : std::as_const(rows))
            all.addData(row);
        digests.append({ table, rows.size(), all.result().toHex() });
    }
    return digests;
}

Result<QList<TableDigest>> ConfigDbCopier::copy(ConfigDb& from, ConfigDb& to,
    const std::function<void(const QString&)>& progress, const std::function<Status()>& beforeCommit)
{
    if (from.schemaVersion() != to.schemaVersion())
        return failed(QStringLiteral("ConfigDb %1 has schema %2 and %3 has schema %4: open both with the same "
                                     "Poolkeeper first")
                          .arg(from.path())
                          .arg(from.schemaVersion())
                          .arg(to.path())
                          .arg(to.schemaVersion()));
    for (const QString& table : tables()) {
        auto rows = to.queryRow(QStringLiteral("SELECT count(*) FROM %1").arg(table));
        if (!rows)
            return rows.error();
        if (rows->value(0).toLongLong() > 0)
            return failed(QStringLiteral("ConfigDb %1 is not empty (table %2 has rows): copy into an empty database")
                              .arg(to.path(), table));
    }
    QList<TableDigest> sourceDigests;
    const Status status = from.transaction([&]() -> Status {
        return to.transaction([&]() -> Status {
            for (const QString& table : tables()) {
                auto columns = columnsOf(from, table);
                if (!columns)
                    return columns.error();
                if (progress)
                    progress(QStringLiteral("copying %1").arg(table));
                auto query
                    = from.exec(QStringLiteral("SELECT %1 FROM %2").arg(columns->join(QStringLiteral(", ")), table));
                if (!query)
                    return query.error();
                QStringList marks;
                for (qsizetype i = 0; i < columns->size(); ++i)
                    marks.append(QStringLiteral("?"));
                const QString insert
                    = QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                          .arg(table, columns->join(QStringLiteral(", ")), marks.join(QStringLiteral(", ")));
                while (query->next()) {
                    QVariantList values;
                    values.reserve(columns->size());
                    for (int i = 0; i < columns->size(); ++i) {
                        QVariant value = query->value(i);
                        // A NULL keeps its meaning; exec() turns a null QString into ''.
                        if (value.isNull())
                            value = QVariant(QMetaType(QMetaType::LongLong));
                        values.append(value);
                    }
                    if (auto inserted = to.exec(insert, values); !inserted)
                        return inserted.error();
                }
                // Identity columns go on after the highest id copied.
                if (to.isPostgres() && columns->contains(QStringLiteral("id"))) {
                    if (auto next = to.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), "
                                                           "coalesce(max(id), 0) + 1, false) FROM %1")
                                                .arg(table));
                        !next)
                        return next.error();
                }
            }
            // Checked before the copy commits: a copy that differs is rolled back, not left behind.
            if (progress)
                progress(QStringLiteral("checking the copy"));
            auto digests = digest(from);
            if (!digests)
                return digests.error();
            auto copied = digest(to);
            if (!copied)
                return copied.error();
            for (qsizetype i = 0; i < digests->size(); ++i) {
                const TableDigest& a = digests->at(i);
                const TableDigest& b = copied->at(i);
                if (a.rows != b.rows || a.checksum != b.checksum)
                    return failed(QStringLiteral("the copy of table %1 differs (%2 rows, %3 in the copy); nothing "
                                                 "was written to %4")
                                      .arg(a.table)
                                      .arg(a.rows)
                                      .arg(b.rows)
                                      .arg(to.path()));
            }
            sourceDigests = *digests;
            return beforeCommit ? beforeCommit() : Status();
        });
    });
    if (!status)
        return status.error();
    return sourceDigests;
}

} // namespace pk
