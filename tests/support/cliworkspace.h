#pragma once

// A workspace made through the real poolkeeper-cli in a temporary directory, as the CLI tests
// use it: one pool with two storages and user alice, and a dump of everything stored, to prove
// that a failed command changed nothing.

#include "clirunner.h"

#include <QTemporaryDir>

namespace pk::test {

// Every row of every table and the schema version, read through a read-only connection.
QString dumpConfigDb(const QString& path);

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

    // init, pool main, storages s1 (64 MiB quota) and s2, user alice with one snapshot of src/.
    bool setUp();
    // The directory of a user on a storage (users/<uuid>), empty when the user has none there.
    QString userDir(const QString& storage, const QString& user) const;
    // The storage a user lives on, as users --json says; empty for an unknown user.
    QString storageOf(const QString& user) const;
    // ConfigDb, every storage and every restore target: what a failed command must leave alone.
    QString state() const;

    CliRunner cli;
};

} // namespace pk::test
