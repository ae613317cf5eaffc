#include "requestrepo.h"

namespace pk {

namespace {

constexpr QLatin1String selectRequest("SELECT id, kind, subject, state, requested_by, carried_out_by, created_ms, "
                                      "updated_ms, progress_done, progress_total, progress_text, result, "
                                      "result_count, detail FROM requests");

RequestState stateFromString(const QString& text)
{
    if (text == QLatin1String("running"))
        return RequestState::Running;
    if (text == QLatin1String("done"))
        return RequestState::Done;
    if (text == QLatin1String("failed"))
        return RequestState::Failed;
    return RequestState::Pending;
}

RequestRecord requestFromQuery(const QSqlQuery& q)
{
    RequestRecord request;
    request.id = q.value(0).toLongLong();
    request.kind = requestKindFromString(q.value(1).toString()).value_or(RequestKind::Scan);
    request.subject = q.value(2).toString();
    request.state = stateFromString(q.value(3).toString());
    request.requestedBy = q.value(4).toString();
    request.carriedOutBy = q.value(5).toString();
    request.createdMs = q.value(6).toLongLong();
    request.updatedMs = q.value(7).toLongLong();
    request.progressDone = q.value(8).toLongLong();
    request.progressTotal = q.value(9).toLongLong();
    request.progressText = q.value(10).toString();
    request.result = q.value(11).toString();
    request.resultCount = q.value(12).toLongLong();
    request.detail = q.value(13).toString();
    return request;
}

} // namespace

QString toString(RequestKind kind)
{
    switch (kind) {
    case RequestKind::Scan:
        return QStringLiteral("scan");
    case RequestKind::Balance:
        return QStringLiteral("balance");
    case RequestKind::Drain:
        return QStringLiteral("drain");
    }
    return {};
}

std::optional<RequestKind> requestKindFromString(const QString& text)
{
    for (RequestKind kind : { RequestKind::Scan, RequestKind::Balance, RequestKind::Drain }) {
        if (toString(kind) == text)
            return kind;
    }
    return std::nullopt;
}

Result<qint64> RequestRepo::submit(RequestKind kind, const QString& subject, const QString& requestedBy)
{
    const qint64 now = nowMs();
    return m_db.insert(QStringLiteral("INSERT INTO requests (kind, subject, requested_by, created_ms, updated_ms) "
                                      "VALUES (?, ?, ?, ?, ?)"),
        { toString(kind), subject, requestedBy, now, now });
}

Result<RequestRecord> RequestRepo::byId(qint64 id)
{
    auto rows = m_db.queryRows(selectRequest + QStringLiteral(" WHERE id = ?"), { id }, requestFromQuery);
    if (!rows)
        return rows.error();
    if (rows->isEmpty())
        return notFound(QStringLiteral("no request %1 in ConfigDb").arg(id));
    return rows->constFirst();
}

Result<std::optional<RequestRecord>> RequestRepo::claimNext(const QString& engine)
{
    std::optional<RequestRecord> claimed;
    const Status status = m_db.transaction([&]() -> Status {
        auto rows = m_db.queryRows(
            selectRequest + QStringLiteral(" WHERE state = 'pending' ORDER BY id LIMIT 1"), {}, requestFromQuery);
        if (!rows)
            return rows.error();
        if (rows->isEmpty())
            return {};
        RequestRecord request = rows->constFirst();
        request.state = RequestState::Running;
        request.carriedOutBy = engine;
        request.updatedMs = nowMs();
        auto updated = m_db.exec(
            QStringLiteral("UPDATE requests SET state = 'running', carried_out_by = ?, updated_ms = ? WHERE id = ?"),
            { engine, request.updatedMs, request.id });
        if (!updated)
            return updated.error();
        claimed = request;
        return {};
    });
    if (!status)
        return status.error();
    return claimed;
}

Status RequestRepo::setProgress(qint64 id, qint64 done, qint64 total, const QString& text)
{
    auto query = m_db.exec(QStringLiteral("UPDATE requests SET progress_done = ?, progress_total = ?, progress_text = "
                                          "?, updated_ms = ? WHERE id = ? AND state = 'running'"),
        { done, total, text, nowMs(), id });
    return query ? Status() : Status(query.error());
}

Status RequestRepo::finish(qint64 id, bool succeeded, const QString& result, qint64 count, const QString& detail)
{
    auto query = m_db.exec(QStringLiteral("UPDATE requests SET state = ?, result = ?, result_count = ?, detail = ?, "
                                          "updated_ms = ? WHERE id = ?"),
        { succeeded ? QStringLiteral("done") : QStringLiteral("failed"), result, count, detail, nowMs(), id });
    return query ? Status() : Status(query.error());
}

Result<bool> RequestRepo::withdraw(qint64 id, const QString& why)
{
    auto query = m_db.exec(QStringLiteral("UPDATE requests SET state = 'failed', result = 'failed', detail = ?, "
                                          "updated_ms = ? WHERE id = ? AND state = 'pending'"),
        { why, nowMs(), id });
    if (!query)
        return query.error();
    return query->numRowsAffected() == 1;
}

Status RequestRepo::requeueRunning()
{
    auto query = m_db.exec(
        QStringLiteral("UPDATE requests SET state = 'pending', carried_out_by = '', updated_ms = ? WHERE state = "
                       "'running'"),
        { nowMs() });
    return query ? Status() : Status(query.error());
}

Status RequestRepo::removeFinishedBefore(qint64 ms)
{
    auto query = m_db.exec(
        QStringLiteral("DELETE FROM requests WHERE state IN ('done', 'failed') AND updated_ms < ?"), { ms });
    return query ? Status() : Status(query.error());
}

} // namespace pk
