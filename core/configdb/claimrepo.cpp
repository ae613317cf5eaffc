#include "claimrepo.h"

#include "storagerepo.h"
#include "util/posixio.h"

#include <QSysInfo>

#include <unistd.h>

namespace pk {

namespace {

constexpr QLatin1String selectClaim(
    "SELECT id, storage_id, user_uuid, kind, bytes, owner_pid, created_ms, owner_host FROM claims");

ClaimRecord claimFromQuery(const QSqlQuery& query)
{
    ClaimRecord claim;
    claim.id = query.value(0).toLongLong();
    claim.storageId = query.value(1).toLongLong();
    claim.userUuid = query.value(2).toString();
    claim.kind = query.value(3).toString();
    claim.bytes = query.value(4).toLongLong();
    claim.ownerPid = query.value(5).toLongLong();
    claim.createdMs = query.value(6).toLongLong();
    claim.ownerHost = query.value(7).toString();
    return claim;
}

QString thisHost()
{
    return QSysInfo::machineHostName();
}

} // namespace

bool ClaimRecord::ownerIsGone() const
{
    if (!ownerHost.isEmpty() && ownerHost != thisHost())
        return false;
    return ownerPid != ::getpid() && !posix::isProcessAlive(ownerPid);
}

Result<std::optional<qint64>> ClaimRepo::openBackup(qint64 storageId, const QString& userUuid, bool requireOnline)
{
    std::optional<qint64> id;
    const Status status = m_db.transaction([&]() -> Status {
        if (requireOnline) {
            auto state = m_db.queryRow(QStringLiteral("SELECT state FROM storages WHERE id = ?"), { storageId });
            if (!state)
                return state.error();
            if (state->isEmpty() || state->value(0).toString() != toString(StorageState::Online))
                return {};
        }
        auto insert = m_db.insert(QStringLiteral("INSERT INTO claims (storage_id, user_uuid, kind, owner_pid, "
                                                 "owner_host, created_ms) VALUES (?, ?, ?, ?, ?, ?)"),
            { storageId, userUuid, claimKind::backup, qint64(::getpid()), thisHost(), nowMs() });
        if (!insert)
            return insert.error();
        id = *insert;
        return {};
    });
    if (!status)
        return status.error();
    return id;
}

Result<bool> ClaimRepo::charge(qint64 claimId, qint64 storageId, qint64 delta)
{
    bool accepted = false;
    const Status status = m_db.transaction([&]() -> Status {
        auto added = StorageRepo(m_db).addUsedBytes(storageId, delta);
        if (!added)
            return added.error();
        accepted = *added;
        if (!accepted)
            return {};
        auto update = m_db.exec(QStringLiteral("UPDATE claims SET bytes = bytes + ? WHERE id = ?"), { delta, claimId });
        return update ? Status() : Status(update.error());
    });
    if (!status)
        return status.error();
    return accepted;
}

Status ClaimRepo::close(qint64 claimId)
{
    auto query = m_db.exec(QStringLiteral("DELETE FROM claims WHERE id = ?"), { claimId });
    return query ? Status() : Status(query.error());
}

Result<bool> ClaimRepo::closeSettled(qint64 claimId)
{
    auto query = m_db.exec(QStringLiteral("DELETE FROM claims WHERE id = ? AND bytes = 0"), { claimId });
    if (!query)
        return query.error();
    return query->numRowsAffected() == 1;
}

Result<QList<ClaimRecord>> ClaimRepo::forDirectory(qint64 storageId, const QString& userUuid)
{
    return m_db.queryRows(selectClaim + QStringLiteral(" WHERE storage_id = ? AND user_uuid = ? ORDER BY id"),
        { storageId, userUuid }, claimFromQuery);
}

Result<QList<ClaimRecord>> ClaimRepo::list(const QString& kind, qint64 storageId)
{
    if (storageId > 0)
        return m_db.queryRows(selectClaim + QStringLiteral(" WHERE kind = ? AND storage_id = ? ORDER BY id"),
            { kind, storageId }, claimFromQuery);
    return m_db.queryRows(selectClaim + QStringLiteral(" WHERE kind = ? ORDER BY id"), { kind }, claimFromQuery);
}

Result<QList<ClaimRecord>> ClaimRepo::firstBackupsInFlight(qint64 storageId)
{
    auto claims = m_db.queryRows(selectClaim
            + QStringLiteral(
                " WHERE kind = ? AND storage_id = ? AND user_uuid NOT IN (SELECT uuid FROM users) ORDER BY id"),
        { claimKind::backup, storageId }, claimFromQuery);
    if (!claims)
        return claims;
    QList<ClaimRecord> live;
    for (const ClaimRecord& claim : std::as_const(*claims)) {
        if (!claim.ownerIsGone())
            live.append(claim);
    }
    return live;
}

Status ClaimRepo::remove(const QList<ClaimRecord>& claims)
{
    for (const ClaimRecord& claim : claims) {
        if (auto status = close(claim.id); !status)
            return status;
    }
    return {};
}

Status ClaimRepo::setOrphan(qint64 storageId, const QString& userUuid, qint64 bytes)
{
    auto removed = m_db.exec(QStringLiteral("DELETE FROM claims WHERE storage_id = ? AND user_uuid = ? AND kind = ?"),
        { storageId, userUuid, claimKind::orphan });
    if (!removed)
        return removed.error();
    if (bytes <= 0)
        return {};
    auto insert = m_db.insert(QStringLiteral("INSERT INTO claims (storage_id, user_uuid, kind, bytes, created_ms) "
                                             "VALUES (?, ?, ?, ?, ?)"),
        { storageId, userUuid, claimKind::orphan, bytes, nowMs() });
    return insert ? Status() : Status(insert.error());
}

} // namespace pk
