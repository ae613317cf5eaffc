#pragma once

// One user's data on one storage: a content-addressed chunk store and one immutable manifest per
// snapshot, under <storage>/users/<uuid>/.

#include "configdb/configdb.h"
#include "configdb/records.h"
#include "manifest.h"
#include "sha256.h"
#include "storageroot.h"
#include "util/filelock.h"
#include "util/posixio.h"

#include <QStringList>

namespace pk {

struct UserIdentity
{
    QString name;
    QString uuid;
};

class UserStore
{
public:
    UserStore(StorageRoot root, QString userUuid);
    // The store of a user where ConfigDb places it, its storage checked to be the expected one.
    static Result<UserStore> open(ConfigDb& db, const UserRecord& user);

    const StorageRoot& root() const { return m_root; }
    QString uuid() const { return m_uuid; }
    QString dir() const { return m_dir; }
    QString chunksDir() const { return m_dir + QStringLiteral("/chunks"); }
    QString snapshotsDir() const { return m_dir + QStringLiteral("/snapshots"); }
    // Shared by backups and restores, exclusive while a migration freezes the user and while
    // compaction removes it.
    QString lockPath() const { return m_dir + QStringLiteral("/.lock"); }
    // Exclusive while a backup of the user runs (two backups of one user never overlap, so one's
    // rollback cannot remove a chunk the other relies on) and while rescan or recovery settles
    // the user's books.
    QString backupLockPath() const { return m_dir + QStringLiteral("/.backup.lock"); }
    QString identityPath() const { return m_dir + QStringLiteral("/user.json"); }
    QString tmpDir() const { return m_root.tmpDir(); }

    // chunks/ab/<sha256>: 256 fan-out directories keep directories small for big users.
    QString chunkPath(const Digest& digest) const;
    QString chunkFanoutDir(const Digest& digest) const;
    QString manifestPath(const QString& snapshotId) const;

    bool exists() const;
    // Creates the directories and user.json; existing ones are kept.
    Status create(const QString& userName) const;
    Result<UserIdentity> readIdentity() const;
    // The parsing part of readIdentity: the bytes of user.json (path names it in messages).
    // Failed unless they name the user expectedUuid.
    static Result<UserIdentity> parseIdentity(const QByteArray& data, const QString& path, const QString& expectedUuid);

    // Snapshot ids with a manifest in place, oldest first.
    Result<QStringList> snapshotIds() const;
    Result<Manifest> readManifest(const QString& snapshotId) const;
    // The snapshots whose manifest is in place, as ConfigDb records them. A manifest that cannot
    // be read still counts (the snapshot exists; verify says what is wrong with it).
    QList<SnapshotRecord> snapshotRecords() const;
    // Durably writes a manifest (tmp, fsync, rename, fsync dir); the snapshot exists from then on.
    Status writeManifest(const Manifest& manifest) const;
    Status removeManifest(const QString& snapshotId) const;

    // True when a chunk with this name and size is in place.
    bool hasChunk(const ChunkRef& chunk) const;
    // Checks, without reading it, that a chunk is in place as a regular file of the right size.
    Status checkChunk(const ChunkRef& chunk) const;
    // Opens a chunk for reading: a regular file of the right size, never a symlink, and never
    // blocking on a FIFO or device planted in its place.
    Result<posix::RegularFile> openChunk(const ChunkRef& chunk) const;
    // Reads a chunk into buffer (resized) and checks its size and, if verify, its hash.
    Status readChunk(const ChunkRef& chunk, QByteArray& buffer, bool verify) const;

    // A chunk mapped read-only (chunk files are immutable, so a mapping cannot change under us),
    // with its size and hash checked: restore hashes and writes from it without a copy.
    class MappedChunk
    {
    public:
        MappedChunk() = default;
        MappedChunk(MappedChunk&& other) noexcept;
        MappedChunk& operator=(MappedChunk&& other) noexcept;
        ~MappedChunk();
        const char* data() const { return static_cast<const char*>(m_data); }
        qint64 size() const { return m_size; }

    private:
        friend class UserStore;
        void* m_data = nullptr;
        qint64 m_size = 0;
    };
    Result<MappedChunk> mapChunk(const ChunkRef& chunk, bool verify) const;

    // Bytes of every file of the user (chunks, manifests, user.json).
    Result<qint64> diskUsage() const;
    // Removes the user's whole directory (compaction after a move, or an abandoned copy).
    Status remove() const;
    // Takes the user's directory away at once (an atomic rename into the storage's trash) and
    // leaves freeing the space to StorageRoot::emptyTrash, so a migration need not wait for
    // thousands of unlinks.
    Status moveToTrash() const;

    static constexpr qint64 maxManifestBytes = qint64(1) << 31;

private:
    StorageRoot m_root;
    QString m_uuid;
    QString m_dir;
};

} // namespace pk
