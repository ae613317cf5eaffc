#pragma once

// A workspace is a directory holding one ConfigDb, or a poolkeeper.conf naming the PostgreSQL
// database that holds it, and the engine's lock; it is chosen by --workspace, then
// $POOLKEEPER_WORKSPACE, then $XDG_DATA_HOME/poolkeeper.

#include "configdb/configdb.h"

#include <memory>

namespace pk {

class Workspace
{
public:
    static QString defaultDirectory();
    static QString resolveDirectory(const QString& fromCommandLine);
    static QString configDbPath(const QString& directory);
    static QString configPath(const QString& directory);

    // Where the workspace's ConfigDb lives: $POOLKEEPER_CONFIGDB, then poolkeeper.conf, then the
    // SQLite file in the directory. A poolkeeper.conf that does not parse is an error.
    static Result<ConfigDbLocation> configDbLocation(const QString& directory);
    // Records a PostgreSQL ConfigDb in poolkeeper.conf (owner-only: the URL may hold a password).
    static Status writeConfig(const QString& directory, const ConfigDbLocation& location);

    // Creates the directory and the ConfigDb when missing; an existing one is kept (or upgraded).
    // With a PostgreSQL location the schema is made there first (writeConfig records it).
    static Result<std::unique_ptr<ConfigDb>> create(const QString& directory);
    static Result<std::unique_ptr<ConfigDb>> create(const QString& directory, const ConfigDbLocation& location);
    // NotFound (with the hint to run init) when there is no workspace at directory.
    static Result<std::unique_ptr<ConfigDb>> open(const QString& directory);
};

} // namespace pk
