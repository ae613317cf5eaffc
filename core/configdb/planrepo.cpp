#include "planrepo.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pk {

namespace {

QByteArray projectedToJson(const QList<ProjectedUsage>& projected)
{
    QJsonArray array;
    for (const ProjectedUsage& p : projected) {
        array.append(QJsonObject { { QStringLiteral("storage_id"), p.storageId },
            { QStringLiteral("storage"), p.storageName }, { QStringLiteral("capacity"), p.capacityBytes },
            { QStringLiteral("before"), p.usedBefore }, { QStringLiteral("after"), p.usedAfter } });
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QList<ProjectedUsage> projectedFromJson(const QByteArray& json)
{
    QList<ProjectedUsage> list;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    for (const auto& value : array) {
        const QJsonObject o = value.toObject();
        ProjectedUsage p;
        p.storageId = o.value(QLatin1String("storage_id")).toInteger();
        p.storageName = o.value(QLatin1String("storage")).toString();
        p.capacityBytes = o.value(QLatin1String("capacity")).toInteger();
        p.usedBefore = o.value(QLatin1String("before")).toInteger();
        p.usedAfter = o.value(QLatin1String("after")).toInteger();
        list.append(p);
    }
    return list;
}

} // namespace

Result<PlanRecord> PlanRepo::propose(const PlanRecord& plan)
{
    PlanRecord saved = plan;
    const Status status = m_db.transaction([&]() -> Status {
        auto supersede = m_db.exec(
            QStringLiteral(
                "UPDATE plans SET state = 'superseded', decided_ms = ? WHERE pool_id = ? AND state = 'proposed'"),
            { nowMs(), plan.poolId });
        if (!supersede)
            return supersede.error();
        saved.createdMs = nowMs();
        saved.state = PlanState::Proposed;
        auto insert
            = m_db.insert(QStringLiteral("INSERT INTO plans (pool_id, scan_id, kind, state, created_ms, summary, "
                                         "projected_json) VALUES (?, ?, ?, 'proposed', ?, ?, ?)"),
                { plan.poolId, plan.scanId > 0 ? QVariant(plan.scanId) : QVariant(QMetaType(QMetaType::LongLong)),
                    toString(plan.kind), saved.createdMs, plan.summary,
                    QString::fromUtf8(projectedToJson(plan.projected)) });
        if (!insert)
            return insert.error();
        saved.id = *insert;
        for (const PlannedMove& move : plan.moves) {
            auto row = m_db.exec(QStringLiteral("INSERT INTO plan_moves (plan_id, user_id, from_storage_id, "
                                                "to_storage_id, bytes, approved) VALUES (?, ?, ?, ?, ?, ?)"),
                { saved.id, move.userId, move.fromStorageId, move.toStorageId, move.bytes, move.approved });
            if (!row)
                return row.error();
        }
        return {};
    });
    if (!status)
        return status.error();
    return saved;
}

Result<PlanRecord> PlanRepo::load(const QString& where, const QVariantList& bindings)
{
    PlanRecord plan;
    auto head = m_db.queryRow(QStringLiteral("SELECT pl.id, pl.pool_id, p.name, pl.scan_id, pl.kind, pl.state, "
                                             "pl.created_ms, pl.summary, pl.projected_json "
                                             "FROM plans pl JOIN pools p ON p.id = pl.pool_id ")
            + where,
        bindings);
    if (!head)
        return head.error();
    if (head->isEmpty())
        return plan;
    plan.id = head->value(0).toLongLong();
    plan.poolId = head->value(1).toLongLong();
    plan.poolName = head->value(2).toString();
    plan.scanId = head->value(3).toLongLong();
    plan.kind = head->value(4).toString() == QLatin1String("drain") ? JobKind::Drain : JobKind::Balance;
    plan.state = planStateFromString(head->value(5).toString()).value_or(PlanState::Superseded);
    plan.createdMs = head->value(6).toLongLong();
    plan.summary = head->value(7).toString();
    plan.projected = projectedFromJson(head->value(8).toString().toUtf8());
    auto moves = m_db.exec(QStringLiteral("SELECT m.user_id, u.name, m.from_storage_id, f.name, m.to_storage_id, "
                                          "t.name, m.bytes, m.approved FROM plan_moves m "
                                          "JOIN users u ON u.id = m.user_id JOIN storages f ON f.id = "
                                          "m.from_storage_id JOIN storages t ON t.id = m.to_storage_id "
                                          "WHERE m.plan_id = ? ORDER BY f.name, m.bytes DESC, u.name"),
        { plan.id });
    if (!moves)
        return moves.error();
    while (moves->next()) {
        PlannedMove move;
        move.userId = moves->value(0).toLongLong();
        move.userName = moves->value(1).toString();
        move.fromStorageId = moves->value(2).toLongLong();
        move.fromName = moves->value(3).toString();
        move.toStorageId = moves->value(4).toLongLong();
        move.toName = moves->value(5).toString();
        move.bytes = moves->value(6).toLongLong();
        move.approved = moves->value(7).toBool();
        plan.moves.append(move);
    }
    return plan;
}

Result<PlanRecord> PlanRepo::byId(qint64 id)
{
    auto plan = load(QStringLiteral("WHERE pl.id = ?"), { id });
    if (plan && plan->id == 0)
        return notFound(QStringLiteral("no plan %1").arg(id));
    return plan;
}

Result<PlanRecord> PlanRepo::pending(qint64 poolId)
{
    return load(
        QStringLiteral("WHERE pl.pool_id = ? AND pl.state = 'proposed' ORDER BY pl.id DESC LIMIT 1"), { poolId });
}

Result<PlanRecord> PlanRepo::latest(qint64 poolId)
{
    return load(QStringLiteral("WHERE pl.pool_id = ? ORDER BY pl.id DESC LIMIT 1"), { poolId });
}

Status PlanRepo::setMoveApproved(qint64 planId, qint64 userId, bool approved)
{
    auto query = m_db.exec(QStringLiteral("UPDATE plan_moves SET approved = ? WHERE plan_id = ? AND user_id = ?"),
        { approved, planId, userId });
    return query ? Status() : Status(query.error());
}

Status PlanRepo::setState(qint64 planId, PlanState state)
{
    auto query = m_db.exec(QStringLiteral("UPDATE plans SET state = ?, decided_ms = ? WHERE id = ?"),
        { toString(state), nowMs(), planId });
    return query ? Status() : Status(query.error());
}

} // namespace pk
