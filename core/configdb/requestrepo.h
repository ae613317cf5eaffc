#pragma once

// Work a console asks of the active engine when another machine runs it: a scan, a balance or a
// drain reads the storages, which only the engine's machine is sure to reach. The engine claims a
// request, records its progress and its outcome; the console follows the row.

#include "configdb.h"

#include <optional>

namespace pk {

enum class RequestKind : quint8 { Scan, Balance, Drain };
enum class RequestState : quint8 { Pending, Running, Done, Failed };

QString toString(RequestKind kind);
std::optional<RequestKind> requestKindFromString(const QString& text);

struct RequestRecord
{
    qint64 id = 0;
    RequestKind kind = RequestKind::Scan;
    QString subject; // the pool or the storage
    RequestState state = RequestState::Pending;
    QString requestedBy; // "process N on HOST"
    QString carriedOutBy;
    qint64 createdMs = 0;
    qint64 updatedMs = 0;
    qint64 progressDone = 0;
    qint64 progressTotal = 0;
    QString progressText;
    QString result; // the engine's CommandResult, as text
    qint64 resultCount = 0;
    QString detail; // summary, notes or the error

    bool isFinished() const { return state == RequestState::Done || state == RequestState::Failed; }
};

class RequestRepo
{
public:
    explicit RequestRepo(ConfigDb& db)
        : m_db(db)
    { }

    Result<qint64> submit(RequestKind kind, const QString& subject, const QString& requestedBy);
    Result<RequestRecord> byId(qint64 id);
    // The oldest pending request, now running and carried out by engine (none when none waits).
    Result<std::optional<RequestRecord>> claimNext(const QString& engine);
    Status setProgress(qint64 id, qint64 done, qint64 total, const QString& text);
    Status finish(qint64 id, bool succeeded, const QString& result, qint64 count, const QString& detail);
    // A pending request given up by its console (no engine took it); false when one took it.
    Result<bool> withdraw(qint64 id, const QString& why);
    // At a takeover: what a former engine was carrying out is carried out again.
    Status requeueRunning();
    // Finished requests are kept a day for whoever follows them, then removed.
    Status removeFinishedBefore(qint64 ms);

private:
    ConfigDb& m_db;
};

} // namespace pk
