#pragma once

// Rebuilds a snapshot into a directory: every chunk's size and hash is checked, files, empty
// files, directories, symlinks, modes and mtimes come back as they were. Everything is created
// relative to directory descriptors with O_NOFOLLOW, so neither a hostile manifest nor a symlink
// already in the target can make it write outside the target.

#include "userstore.h"

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

struct RestoreResult
{
    QString snapshotId;
    qint64 files = 0;
    qint64 directories = 0;
    qint64 symlinks = 0;
    qint64 bytes = 0;
};

class RestoreJob
{
public:
    RestoreJob(UserStore store, Manifest manifest, QString targetDir);

    // Restore into a non-empty directory, replacing entries of the same name.
    void setForce(bool force) { m_force = force; }
    void setProgressHandler(std::function<void(const RestoreProgress&)> handler) { m_progress = std::move(handler); }
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }
    void setWorkerCount(int workers) { m_workers = workers; }

    Result<RestoreResult> run();

private:
    UserStore m_store;
    Manifest m_manifest;
    QString m_targetDir;
    bool m_force = false;
    std::function<void(const RestoreProgress&)> m_progress;
    const std::atomic<bool>* m_stop = nullptr;
    int m_workers = 0;
};

} // namespace pk
