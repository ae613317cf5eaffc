#pragma once

// Test helpers for real directory trees: generate one from a seed (empty files, files larger
// than a chunk, symlinks, unicode names, deep directories, modes and mtimes), compare two trees
// byte for byte with their metadata, and fingerprint a tree to prove nothing changed.

#include "util/sizes.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace pk::test {

struct TreeSpec
{
    int files = 200;
    int directories = 20;
    int maxDepth = 6;
    qint64 smallFileMax = 64 * KiB; // most files are small...
    int bigFiles = 2; // ...a few are bigger than one chunk
    qint64 bigFileSize = 9 * MiB;
    int symlinks = 5;
    int emptyFiles = 10;
    int emptyDirectories = 3;
    bool unicodeNames = true;
    bool nonUtf8Name = true;
    quint32 seed = 1;
};

struct TreeStats
{
    int files = 0;
    int directories = 0;
    int symlinks = 0;
    qint64 bytes = 0;
};

// Creates the tree below root (which must exist).
TreeStats generateTree(const QString& root, const TreeSpec& spec);
void writeRandomFile(const QString& path, qint64 size, quint32 seed);

// Empty when equal; otherwise one line per difference (content, type, mode, mtime, link target).
QStringList compareTrees(const QString& expected, const QString& actual, bool compareDirMtimes = true);

// A hash over every path, type, size, mode, mtime and content below root: equal fingerprints
// mean nothing stored changed.
QByteArray fingerprint(const QString& root);

bool runningAsRoot();

} // namespace pk::test
