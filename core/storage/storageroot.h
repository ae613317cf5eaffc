#pragma once

// The root directory of one storage: storage.json says which storage it is, so a wrong or
// swapped path is detected before anything is read or written there.

#include "configdb/records.h"
#include "util/result.h"

#include <QString>

namespace pk {

struct StorageIdentity
{
    int format = 1;
    QString storageId; // uuid, also kept in ConfigDb
    QString name;
    QString pool;
};

class StorageRoot
{
public:
    static constexpr int formatVersion = 1;
    static constexpr const char* identityFile = "storage.json";

    StorageRoot() = default;
    explicit StorageRoot(QString path)
        : m_path(std::move(path))
    { }

    // A directory that exists, is a directory and can be written (probed by creating a file).
    static Status checkUsableDirectory(const QString& path);
    // What is wrong with a directory as a new storage, without writing anything (for dialogs):
    // empty when it looks usable. addStorage still checks for real.
    static QString describePathProblem(const QString& path);
    // The canonical path (symlinks resolved) of an existing directory.
    static Result<QString> canonicalPath(const QString& path);

    // NotFound when the directory holds no storage.json; Failed when it is unreadable or corrupt.
    static Result<StorageIdentity> readIdentity(const QString& path);
    // The parsing part of readIdentity: the bytes of storage.json; file names it in messages (and
    // its directory names the storage). Failed when they are not a storage identity it can read.
    static Result<StorageIdentity> parseIdentity(const QByteArray& data, const QString& file);
    // Creates storage.json, users/ and the tmp directory. Refuses a directory that already
    // belongs to a storage.
    static Result<StorageRoot> initialize(const QString& path, const StorageIdentity& identity);
    // Opens an existing storage and checks that it is the one ConfigDb expects.
    static Result<StorageRoot> open(const QString& path, const QString& expectedStorageId, const QString& expectedName);
    static Result<StorageRoot> open(const StorageRecord& storage);

    QString path() const { return m_path; }
    QString usersDir() const { return m_path + QStringLiteral("/users"); }
    QString userDir(const QString& userUuid) const { return usersDir() + u'/' + userUuid; }
    QString tmpDir() const { return m_path + QStringLiteral("/.poolkeeper/tmp"); }
    // Removed user directories pass through here (see UserStore::remove).
    QString trashDir() const { return m_path + QStringLiteral("/.poolkeeper/trash"); }
    QString migrationLogPath() const { return m_path + QStringLiteral("/inSyncMigration.log"); }

    // Removes temporary files that no live process is writing and trash left by a crash.
    void removeStaleTemporaries() const;
    // Frees the space of everything in the trash (user directories removed by compaction).
    Status emptyTrash() const;

private:
    QString m_path;
};

// Capacity and free space of the filesystem holding path.
struct FilesystemSpace
{
    qint64 totalBytes = 0;
    qint64 availableBytes = 0;
};
Result<FilesystemSpace> filesystemSpace(const QString& path);

} // namespace pk
