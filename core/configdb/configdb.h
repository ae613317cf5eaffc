#pragma once

// The master's configuration database: pools, storages, users and where each lives, in an SQLite
// file of the workspace or in a PostgreSQL database several machines share. A ConfigDb object is
// one connection, usable only by the thread that opened it (a Qt Sql rule); every thread that
// needs the database opens its own. The differences between the two backends end here.

#include "configdblocation.h"
#include "util/result.h"

#include <QObject>
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

    static Result<std::unique_ptr<ConfigDb>> open(const ConfigDbLocation& location, OpenMode mode);
    // An SQLite file.
    static Result<std::unique_ptr<ConfigDb>> open(const QString& path, OpenMode mode);
    ~ConfigDb();
    ConfigDb(const ConfigDb&) = delete;
    ConfigDb& operator=(const ConfigDb&) = delete;

    const ConfigDbLocation& location() const { return m_location; }
    bool isPostgres() const { return m_location.isPostgres(); }
    // The workspace this connection serves (set by whoever opened it from one), for the checks
    // that keep restores out of Poolkeeper's own directories.
    QString workspaceDir() const { return m_workspaceDir; }
    void setWorkspaceDir(const QString& dir) { m_workspaceDir = dir; }
    // For messages: the file, or the URL without its password.
    QString path() const { return m_location.displayName(); }
    int schemaVersion() const { return m_schemaVersion; }
    // The schema version found when this connection opened the database (0: it was empty).
    int schemaVersionFound() const { return m_schemaVersionFound; }
    static int latestSchemaVersion();

    // Prepares and runs one statement with positional bindings ("?").
    Result<QSqlQuery> exec(const QString& sql, const QVariantList& bindings = {});
    // A write that reads nothing and changes only a row no other process writes (an engine's own
    // heartbeat): it does not queue behind the write lock, so a long transaction elsewhere cannot
    // make a live engine look dead.
    Result<QSqlQuery> execOwnRow(const QString& sql, const QVariantList& bindings);
    // Runs an INSERT and returns the id of the new row.
    Result<qint64> insert(const QString& sql, const QVariantList& bindings);
    // Runs a statement expected to return at most one row; an empty QVariantList when none.
    Result<QVariantList> queryRow(const QString& sql, const QVariantList& bindings = {});
    // Runs a query and makes one record of each row it returns with rowOf(const QSqlQuery&).
    template<typename RowOf>
    auto queryRows(const QString& sql, const QVariantList& bindings, RowOf rowOf)
        -> Result<QList<std::invoke_result_t<RowOf, const QSqlQuery&>>>;

    // Runs work in a transaction that holds ConfigDb's write lock from its first statement, so
    // that what work reads stays true until it commits, whichever process or machine writes too:
    // SQLite's BEGIN IMMEDIATE, or a transaction advisory lock on PostgreSQL. Other writers wait
    // instead of failing half-way. Rolls back when work returns an error; a serialization failure
    // or deadlock reported by PostgreSQL runs work again. Nested calls join the outer transaction.
    Status transaction(const std::function<Status()>& work);

    // A consistent copy of the whole database while others keep using it (SQLite's online
    // backup API), written to destination (which must not exist).
    Status backupTo(const QString& destination);
    bool inTransaction() const { return m_transactionDepth > 0; }

    // The SQLSTATE of the last failed statement (PostgreSQL), empty otherwise.
    QString lastSqlState() const { return m_lastSqlState; }
    // The last statement failed on a unique constraint.
    bool lastErrorWasDuplicate() const { return m_lastDuplicate; }
    // True after a statement failed because the server went away: the next statement reconnects.
    bool connectionLost() const { return m_connectionLost; }

    // PostgreSQL: calls onChange(table) in context's thread (which needs an event loop) whenever
    // any connection commits a change to a table the console shows (a trigger notifies). The
    // subscription is renewed after a reconnection, which Qt does not report by itself. SQLite:
    // nothing happens (its readers refresh on their own timer).
    Status listen(QObject* context, std::function<void(const QString& table)> onChange);

    // The underlying Qt connection.
    QSqlDatabase handle() const;

private:
    ConfigDb() = default;
    Status connect();
    Status reconnect();
    Status configure();
    Status configurePostgres();
    // A newer schema is refused before anything is written.
    Status checkSchemaSupported() const;
    Status migrate();
    Result<int> storedSchemaVersion();
    Status writeSchemaVersion(int version);
    Error errorOf(const QSqlError& error, const QString& sql);
    Error connectionError(const QString& serverText) const;

    ConfigDbLocation m_location;
    QString m_connectionName;
    QString m_workspaceDir;
    int m_schemaVersion = 0;
    int m_schemaVersionFound = 0;
    int m_transactionDepth = 0;
    QString m_lastSqlState;
    bool m_connectionLost = false;
    bool m_lastDuplicate = false;
    bool m_ownRowWrite = false;
    qint64 m_nextReconnectMs = 0;
    int m_reconnectDelayMs = 0;
    QObject* m_listenContext = nullptr;
    std::function<void(const QString&)> m_onChange;
    Status subscribe();
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
