#pragma once

// The master's configuration database: one SQLite file per workspace holding pools, storages,
// users and where each lives. A ConfigDb object is one connection, usable only by the thread
// that opened it (a Qt Sql rule); every thread that needs the database opens its own.

#include "util/result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>
#include <type_traits>

namespace pk {

class ConfigDb
{
public:
    enum class OpenMode {
        MustExist, // a missing file is a NotFound error
        Create, // create the file and the schema when missing
    };

    static constexpr const char* fileName = "configdb.sqlite";

    static Result<std::unique_ptr<ConfigDb>> open(const QString& path, OpenMode mode);
    ~ConfigDb();
    ConfigDb(const ConfigDb&) = delete;
    ConfigDb& operator=(const ConfigDb&) = delete;

    QString path() const { return m_path; }
    int schemaVersion() const { return m_schemaVersion; }
    static int latestSchemaVersion();

    // Prepares and runs one statement with positional bindings ("?").
    Result<QSqlQuery> exec(const QString& sql, const QVariantList& bindings = {});
    // Runs a statement expected to return at most one row; an empty QVariantList when none.
    Result<QVariantList> queryRow(const QString& sql, const QVariantList& bindings = {});
    // Runs a query and makes one record of each row it returns with rowOf(const QSqlQuery&).
    template<typename RowOf>
    auto queryRows(const QString& sql, const QVariantList& bindings, RowOf rowOf)
        -> Result<QList<std::invoke_result_t<RowOf, const QSqlQuery&>>>;

    // Runs work inside BEGIN IMMEDIATE ... COMMIT, so concurrent writers wait on the busy timeout
    // instead of failing half-way; rolls back when work returns an error. Nested calls join the
    // outer transaction.
    Status transaction(const std::function<Status()>& work);

    // A consistent copy of the whole database while others keep using it (SQLite's online
    // backup API), written to destination (which must not exist).
    Status backupTo(const QString& destination);
    bool inTransaction() const { return m_transactionDepth > 0; }

private:
    ConfigDb() = default;
    Status configure();
    Status migrate();

    QString m_path;
    QString m_connectionName;
    int m_schemaVersion = 0;
    int m_transactionDepth = 0;
};

// Milliseconds since the epoch, UTC: every time in ConfigDb.
qint64 nowMs();

template<typename RowOf>
auto ConfigDb::queryRows(const QString& sql, const QVariantList& bindings, RowOf rowOf)
    -> Result<QList<std::invoke_result_t<RowOf, const QSqlQuery&>>>
{
    auto query = exec(sql, bindings);
    if (!query)
        return query.error();
    QList<std::invoke_result_t<RowOf, const QSqlQuery&>> rows;
    while (query->next())
        rows.append(rowOf(std::as_const(*query)));
    return rows;
}

} // namespace pk
