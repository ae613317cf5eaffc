#pragma once

// Every row of the tables a query lists, one line each in a stable order: what tests compare
// before and after a command that must change nothing, on either backend.

#include <QSqlDatabase>
#include <QString>

namespace pk::test {

// listTables returns one table name per row; an empty result when it fails.
QString dumpTables(const QSqlDatabase& db, const QString& listTables);

} // namespace pk::test
