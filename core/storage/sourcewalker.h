#pragma once

// Walks a directory tree to back up: every entry with its mode, mtime, owner and kept extended
// attributes, in a stable order (parents first, names sorted); later names of a file become hard
// links to its first. Entries it cannot read are reported as warnings and left out.

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
