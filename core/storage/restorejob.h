#pragma once

// Rebuilds a snapshot into a directory: every chunk's size and hash is checked; files (with their
// holes), directories, symlinks, hard links, FIFOs, sockets and devices come back with modes,
// mtimes, extended attributes and, as root, owners. Everything is created relative to directory
// descriptors with O_NOFOLLOW, so neither a hostile manifest nor a symlink already in the target
// can make it write outside the target.

#include "userstore.h"

#include <QStringList>

#include <atomic>
#include <functional>

namespace pk {

struct RestoreProgress
{
    qint64 filesDone = 0;
    qint64 filesTotal = 0;
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
};

struct RestoreOptions
{
    bool force = false; // restore into a non-empty directory, replacing entries of the same name
    bool numericOwner = false; // as root: owners by id only, never by name
};

struct RestoreResult
{
    QString snapshotId;
    qint64 files = 0;
    qint64 directories = 0;
    qint64 symlinks = 0;
    qint64 hardLinks = 0;
    qint64 specialFiles = 0; // FIFOs, sockets and devices
    qint64 bytes = 0;
    QStringList warnings; // what could not be kept, one line each
};

class RestoreJob
{
public:
    RestoreJob(UserStore store, Manifest manifest, QString targetDir);

    void setOptions(const RestoreOptions& options) { m_options = options; }
    void setProgressHandler(std::function<void(const RestoreProgress&)> handler) { m_progress = std::move(handler); }
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }
    void setWorkerCount(int workers) { m_workers = workers; }

    Result<RestoreResult> run();

private:
    UserStore m_store;
    Manifest m_manifest;
    QString m_targetDir;
    RestoreOptions m_options;
    std::function<void(const RestoreProgress&)> m_progress;
    const std::atomic<bool>* m_stop = nullptr;
    int m_workers = 0;
};

} // namespace pk
