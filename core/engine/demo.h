#pragma once

// Creates a demo workspace with real backups: one pool, four storages with quotas, about twenty
// users, one storage above the high watermark (with a user too big to move and one damaged user,
// so a scan shows its reasons). Storages live inside the demo directory.

#include "util/result.h"

#include <QString>

#include <functional>

namespace pk {

class DemoWorkspace
{
public:
    static QString defaultDirectory();
    static bool exists(const QString& directory);
    // Fails (changing nothing) when directory already holds a workspace.
    static Status create(const QString& directory, const std::function<void(const QString&)>& progress = {});
};

} // namespace pk
