#pragma once

// Walks a directory tree to back up: directories, regular files and symlinks with their modes and
// mtimes, in a stable order (parents first, names sorted). Entries it cannot read are reported as
// warnings and left out; the rest is still backed up.

#include "manifest.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

#include <atomic>

namespace pk {

struct SourceEntry
{
    ManifestEntry entry; // without chunks yet
    QByteArray absolutePath; // to open regular files
};

struct SourceTree
{
    QList<SourceEntry> entries;
    QStringList warnings;
    qint64 fileCount = 0;
    qint64 totalBytes = 0;
};

class SourceWalker
{
public:
    // NotFound when root is missing, Failed when it is not a readable directory.
    static Result<SourceTree> walk(const QString& root, const std::atomic<bool>* stop = nullptr);
};

} // namespace pk
