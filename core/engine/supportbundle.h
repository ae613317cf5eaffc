#pragma once

// A support bundle: one .tar.gz for a support engineer with a consistent copy of ConfigDb,
// every storage's inSyncMigration.log with its rotations, the last scans and plans, jobs, alerts
// and versions. It never contains users' backup data (chunks, manifests, user names of files),
// and takes nothing from outside the workspace and the storages.

#include "util/result.h"

#include <QString>
#include <QStringList>

#include <functional>

namespace pk {

class Master;

struct BundleResult
{
    QStringList entries; // names inside the archive
    QStringList notes; // storages that could not be reached, files that could not be read
    qint64 bytes = 0; // size of the archive
};

class SupportBundle
{
public:
    // Writes outPath (a new file) for the workspace whose ConfigDb master uses.
    static Result<BundleResult> write(
        Master& master, const QString& outPath, const std::function<void(const QString&)>& progress = {});
};

} // namespace pk
