#pragma once

// Owner-only modes for what an earlier version left group- or world-accessible in a storage or a
// workspace: one walk per storage (a marker records it), and one on every storage rescan.

#include "storageroot.h"
#include "util/result.h"

#include <QString>
#include <QStringList>

namespace pk {

struct TighteningReport
{
    bool walked = false; // false: skipped, the marker says a full pass was made before
    int examined = 0; // entries looked at
    int tightened = 0; // entries whose mode was narrowed
    int problemCount = 0; // entries that could not be looked at or narrowed: no marker then
    QStringList problems; // the first few of them, for messages
};

class OwnerModes
{
public:
    enum class Pass {
        UnlessMarked, // the engine's start: nothing to do once a full pass left the marker
        Always, // storage rescan
    };

    // "<root>/.poolkeeper/owner-only": every entry was owner-only after a full pass, or the
    // storage was created with owner-only modes (StorageRoot::initialize).
    static QString markerPath(const StorageRoot& root);
    static bool isMarked(const StorageRoot& root);
    static Status writeMarker(const StorageRoot& root);

    // Narrows what Poolkeeper keeps in the storage (storage.json, users/, .poolkeeper/, the
    // migration log with its rotations and lock) to owner-only: directories 0700, files their
    // owner bits, the logs at most 0640. Symlinks are never followed nor changed, entries that are
    // not Poolkeeper's are left alone, and so is the root directory (the operator's: the log's
    // readers traverse it). What changed is logged once (poolkeeper.storage and the storage's
    // migration log). An error only when the root cannot be read.
    static Result<TighteningReport> tightenStorage(const StorageRoot& root, const QString& storageName, Pass pass);
    // The workspace directory itself (0700), ConfigDb's files and the engine lock (0600). Changes
    // no file's content, opens no file: SQLite's locks of this process stay.
    static Result<TighteningReport> tightenWorkspace(const QString& directory);
};

} // namespace pk
