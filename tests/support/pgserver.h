#pragma once

// A throwaway PostgreSQL 15 server for tests: initdb in a temporary directory, listening on
// 127.0.0.1 and a free port, run as 'nobody' when the tests run as root (PostgreSQL refuses
// root), and stopped with the test process (it dies with its parent, even on a crash).

#include "configdb/configdblocation.h"

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace pk::test {

class PgServer
{
public:
    // The tests' backend: POOLKEEPER_TEST_BACKEND=postgresql makes fixtures use PostgreSQL.
    static bool testsUsePostgres();
    // One server per test process, started on first use; nullptr with a message when it cannot start.
    static PgServer* shared(QString* error = nullptr);

    PgServer();
    ~PgServer();
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    bool start(QString* error);
    // Stops the server at once (as a crash or power loss would): every connection drops.
    bool stop();
    // Starts it again on the same port after stop().
    bool restart(QString* error = nullptr);
    bool isRunning() const;
    int port() const { return m_port; }

    // A new empty database (its name made unique) and the location of it; invalid on failure.
    ConfigDbLocation createDatabase(const QString& prefix = QStringLiteral("t"), QString* error = nullptr);
    // Runs SQL as the superuser in database (for what tests do behind Poolkeeper's back).
    bool runSql(const QString& database, const QString& sql, QString* error = nullptr);
    // Every row of every table of database, in a stable order: what a failed command must not change.
    QString dump(const QString& database);

private:
    bool runAsServerUser(const QString& program, const QStringList& arguments, QString* output);
    bool launch(QString* error);
    bool waitUntilReady(int timeoutMs);

    QTemporaryDir m_dir;
    QString m_binDir;
    int m_port = 0;
    std::unique_ptr<QProcess> m_postmaster;
    int m_databases = 0;
};

} // namespace pk::test
