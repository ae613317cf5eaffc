#pragma once

// One snapshot of a user: every file, directory, symlink, hard link and special file with its
// mode, mtime, owner, extended attributes and the chunks holding a file's data (holes aside).
// Written once, never changed; parsing checks everything a restore relies on, so a corrupt or
// malicious manifest is refused before anything is written.

#include "sha256.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace pk {

struct ChunkRef
{
    Digest hash;
    quint32 size = 0;
    friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

// A range of a sparse file that holds no data: not stored, not written back.
struct Hole
{
    qint64 offset = 0;
    qint64 length = 0;
    friend bool operator==(const Hole&, const Hole&) = default;
};

// An extended attribute, POSIX ACLs included (system.posix_acl_access / _default).
struct ExtendedAttribute
{
    QByteArray name;
    QByteArray value;
    friend bool operator==(const ExtendedAttribute&, const ExtendedAttribute&) = default;
};

// Who owns an entry: ids always, names when the backing-up machine knew them.
struct Ownership
{
    quint32 uid = 0;
    quint32 gid = 0;
    QByteArray userName;
    QByteArray groupName;
    friend bool operator==(const Ownership&, const Ownership&) = default;
};

struct ManifestEntry
{
    enum class Type { File, Directory, Symlink, HardLink, Fifo, Socket, CharDevice, BlockDevice };
    Type type = Type::File;
    QByteArray path; // relative, '/'-separated, raw file-name bytes (not always UTF-8)
    quint32 mode = 0; // permission bits (07777)
    qint64 mtimeNs = 0;
    qint64 size = 0; // files: logical length, holes included
    QList<ChunkRef> chunks; // files: the data outside the holes, in order
    QList<Hole> holes; // files: sorted, disjoint, inside [0, size)
    QByteArray linkTarget; // symlinks: the target; hard links: the path of an earlier file entry
    quint64 rdev = 0; // devices
    std::optional<Ownership> owner; // format 2
    QList<ExtendedAttribute> xattrs; // format 2
    bool changing = false; // it kept changing while it was read: its content may be inconsistent

    qint64 dataBytes() const; // size minus holes: what the chunks hold
};

struct Manifest
{
    // 2 added owners, hard links, holes, extended attributes and special files; 1 is still read.
    static constexpr int formatVersion = 2;
    int format = formatVersion;
    QString snapshotId;
    QString userName;
    QString userUuid;
    qint64 createdMs = 0;
    QString sourcePath;
    QList<ManifestEntry> entries;

    qint64 fileCount() const;
    qint64 changingFiles() const; // files that kept changing while they were read
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
// The extended attributes a snapshot keeps: user.*, trusted.*, security.capability and the POSIX ACLs.
bool isKeptAttributeName(const QByteArray& name);
QString newSnapshotId(qint64 createdMs);

// Path bytes for messages and JSON: UTF-8 when valid, otherwise escaped.
QString displayPath(const QByteArray& path);

} // namespace pk
