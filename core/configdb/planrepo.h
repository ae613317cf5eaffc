#pragma once

// Migration plans in ConfigDb: the proposed moves of a pool with their projected effect, waiting
// for approval (review mode) or approved at once (automatic mode).

#include "configdb.h"
#include "enginerecords.h"

namespace pk {

class PlanRepo
{
public:
    explicit PlanRepo(ConfigDb& db)
        : m_db(db)
    { }

    // Stores a proposed plan; earlier proposed plans of the pool are superseded.
    Result<PlanRecord> propose(const PlanRecord& plan);
    Result<PlanRecord> byId(qint64 id);
    // The pool's plan waiting for a decision, if any (id 0 otherwise).
    Result<PlanRecord> pending(qint64 poolId);
    Result<PlanRecord> latest(qint64 poolId);
    Status setMoveApproved(qint64 planId, qint64 userId, bool approved);
    Status setState(qint64 planId, PlanState state);

private:
    Result<PlanRecord> load(const QString& where, const QVariantList& bindings);

    ConfigDb& m_db;
};

} // namespace pk
