#pragma once

// The master's placement of backup requests: a known user stays on its storage; a new user goes
// to the online storage of the pool with the lowest utilisation that is not marked for migration.

#include "storageusage.h"
#include "util/result.h"

namespace pk {

class Placement
{
public:
    // storages: those of the user's pool.
    static Result<StorageUsage> chooseForNewUser(const QList<StorageUsage>& storages, const QString& poolName);
};

} // namespace pk
