#pragma once

// A workspace made through the real poolkeeper-cli in a temporary directory, as the CLI tests
// use it: one pool with two storages and user alice, and a dump of everything stored, to prove
// that a failed command changed nothing.

#include "clirunner.h"
#include "configdb/configdblocation.h"

#include <QTemporaryDir>

namespace pk::test {

// Every row of every table and the schema version, read through a read-only connection.
QString dumpConfigDb(const QString& path);
// The same for either backend.
QString dumpConfigDb(const ConfigDbLocation& location);

class CliWorkspace
{
    QTemporaryDir m_dir; // first: cli is built from its path

public:
    CliWorkspace();
    ~CliWorkspace();
    CliWorkspace(const CliWorkspace&) = delete;
    CliWorkspace& operator=(const CliWorkspace&) = delete;

    QString path(const QString& relative) const { return m_dir.path() + u'/' + relative; }
    QString ws() const { return cli.workspace(); }
    QString dbPath() const { return ws() + QStringLiteral("/configdb.sqlite"); }
    // The workspace's ConfigDb: the SQLite file, or a PostgreSQL database of its own when the
    // tests run on that backend (POOLKEEPER_TEST_BACKEND=postgresql).
    ConfigDbLocation configDb() const { return m_configDb; }

    // init, pool main, storages s1 (64 MiB quota) and s2, user alice with one snapshot of src/.
    bool setUp();
    // The directory of a user on a storage (users/<uuid>), empty when the user has none there.
    QString userDir(const QString& storage, const QString& user) const;
    // The storage a user lives on, as users --json says; empty for an unknown user.
    QString storageOf(const QString& user) const;
    // ConfigDb, every storage and every restore target: what a failed command must leave alone.
    QString state() const;

    CliRunner cli;

private:
    ConfigDbLocation m_configDb;
};

} // namespace pk::test
