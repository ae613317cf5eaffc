#pragma once

// A workspace is a directory holding one ConfigDb (and the engine's lock); it is chosen by
// --workspace, then $POOLKEEPER_WORKSPACE, then $XDG_DATA_HOME/poolkeeper.

#include "configdb/configdb.h"

#include <memory>

namespace pk {

class Workspace
{
public:
    static QString defaultDirectory();
    static QString resolveDirectory(const QString& fromCommandLine);
    static QString configDbPath(const QString& directory);

    // Creates the directory and the ConfigDb when missing; an existing one is kept.
    static Result<std::unique_ptr<ConfigDb>> create(const QString& directory);
    // NotFound (with the hint to run init) when there is no workspace at directory.
    static Result<std::unique_ptr<ConfigDb>> open(const QString& directory);
};

} // namespace pk
