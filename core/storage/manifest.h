#pragma once

// One snapshot of a user: every file, directory and symlink with mode, mtime and the chunks
// holding the file's content. Written once, never changed; parsing checks everything a restore
// relies on, so a corrupt or malicious manifest is refused before anything is written.

#include "sha256.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace pk {

struct ChunkRef
{
    Digest hash;
    quint32 size = 0;
    friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

struct ManifestEntry
{
    enum class Type { File, Directory, Symlink };
    Type type = Type::File;
    QByteArray path; // relative, '/'-separated, raw file-name bytes (not always UTF-8)
    quint32 mode = 0; // permission bits (07777)
    qint64 mtimeNs = 0;
    qint64 size = 0; // files: content length
    QList<ChunkRef> chunks; // files
    QByteArray linkTarget; // symlinks
};

struct Manifest
{
    static constexpr int formatVersion = 1;
    int format = formatVersion;
    QString snapshotId;
    QString userName;
    QString userUuid;
    qint64 createdMs = 0;
    QString sourcePath;
    QList<ManifestEntry> entries;

    qint64 fileCount() const;
    qint64 logicalBytes() const;

    QByteArray toJson() const;
    // where names the file in error messages.
    static Result<Manifest> fromJson(const QByteArray& json, const QString& where);
};

// A relative path that cannot escape its root: no leading '/', no "." or ".." component, no
// empty component, no NUL byte.
bool isSafeRelativePath(const QByteArray& path);
// Snapshot ids name files: a strict alphabet keeps them from being paths.
bool isValidSnapshotId(const QString& id);
QString newSnapshotId(qint64 createdMs);

// Path bytes for messages and JSON: UTF-8 when valid, otherwise escaped.
QString displayPath(const QByteArray& path);

} // namespace pk
