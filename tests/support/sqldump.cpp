#include "sqldump.h"

#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>

namespace pk::test {

QString dumpTables(const QSqlDatabase& db, const QString& listTables)
{
    QSqlQuery tables(db);
    if (!tables.exec(listTables))
        return {};
    QStringList names;
    while (tables.next())
        names.append(tables.value(0).toString());
    QString dump;
    for (const QString& table : std::as_const(names)) {
        QSqlQuery rows(db);
        rows.exec(QStringLiteral("SELECT * FROM \"%1\" ORDER BY 1").arg(table));
        while (rows.next()) {
            dump += table + u':';
            for (int c = 0; c < rows.record().count(); ++c)
                dump += rows.value(c).toString() + u'|';
            dump += u'\n';
        }
    }
    return dump;
}

} // namespace pk::test
