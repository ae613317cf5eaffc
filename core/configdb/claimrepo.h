#pragma once

// Claims in ConfigDb: bytes on a storage that no user holds yet. A backup claims the chunks it
// writes until its snapshot is recorded (a killed backup leaves its claim for recovery); rescan
// claims a directory that nobody owns. Together with users.bytes and the jobs' copy and source
// bytes they add up to storages.used_bytes, so every byte on a storage is counted exactly once.

#include "configdb.h"

#include <QList>

#include <optional>

namespace pk {

struct ClaimRecord
{
    qint64 id = 0;
    qint64 storageId = 0;
    QString userUuid;
    QString kind; // "backup" or "orphan"
    qint64 bytes = 0;
    qint64 ownerPid = 0;
    QString ownerHost; // empty for claims of earlier versions (this machine's)
    qint64 createdMs = 0;

    // The process that holds it is gone for sure. Only a process of this machine can be checked:
    // a claim of another host (a shared ConfigDb) is never taken for dead here.
    bool ownerIsGone() const;
};

namespace claimKind {
inline const QString backup = QStringLiteral("backup");
inline const QString orphan = QStringLiteral("orphan");
} // namespace claimKind

class ClaimRepo
{
public:
    explicit ClaimRepo(ConfigDb& db)
        : m_db(db)
    { }

    // A backup's claim on the directory of userUuid. With requireOnline (a new user is being
    // placed) the claim is made only while the storage still takes new users, in the same
    // transaction: a drain or mark that commits first is seen, one that commits later sees the
    // claim. Empty when the storage no longer takes new users.
    Result<std::optional<qint64>> openBackup(qint64 storageId, const QString& userUuid, bool requireOnline);
    // Adds delta to the storage's used bytes and to the claim at once. With a positive delta the
    // storage's quota may refuse: false, and nothing changes.
    Result<bool> charge(qint64 claimId, qint64 storageId, qint64 delta);
    Status close(qint64 claimId);
    // Closes a claim whose bytes were all given back; false (and nothing changes) otherwise.
    Result<bool> closeSettled(qint64 claimId);

    Result<QList<ClaimRecord>> forDirectory(qint64 storageId, const QString& userUuid);
    // Claims of one kind on every storage (or one storage when storageId > 0).
    Result<QList<ClaimRecord>> list(const QString& kind, qint64 storageId = 0);
    // Backups of users that are not in ConfigDb yet, writing to this storage now.
    Result<QList<ClaimRecord>> firstBackupsInFlight(qint64 storageId);
    // Removes claims; callers run it in the transaction that moves their bytes elsewhere.
    Status remove(const QList<ClaimRecord>& claims);
    // Sets the orphan claim of a directory to bytes (0 removes it).
    Status setOrphan(qint64 storageId, const QString& userUuid, qint64 bytes);

private:
    ConfigDb& m_db;
};

} // namespace pk
