#pragma once

// Runs the engine for poolkeeper-cli: in this process until the given jobs end (--wait), or as a
// detached engine process that exits when no job is left.

#include "configdb/enginerecords.h"

#include <QList>
#include <QtGlobal>

#include <functional>

namespace pk::cli {

class Context;

struct EngineRun
{
    QList<qint64> jobIds; // wait for these; empty: until no job is pending or running
    qint64 maxRate = 0; // bytes per second; 0: the pools' settings
    bool quiet = false; // no per-job lines (the detached engine)
};

// For crash tests: with POOLKEEPER_TEST_KILL_AT=<phase> in the environment, the process kills
// itself with SIGKILL right after a job has persisted that phase. Empty otherwise.
std::function<void(const JobRecord&, JobPhase)> testPhaseHook();

// Exit code: 0 every job done, 1 any failed or cancelled (or the engine could not start),
// 130 stopped by Ctrl-C (the jobs resume at the next run).
int runEngine(Context& context, const EngineRun& run);
// The engine as a service: runs jobs (or waits as a standby) until SIGTERM or SIGINT, then stops
// them at a safe point and returns 0; the way it goes is logged on stderr.
int runEngineService(Context& context, qint64 maxRate);
// Starts "poolkeeper-cli engine run" in the background unless an engine already runs; prints
// which process runs the jobs.
int startDetachedEngine(Context& context, qint64 maxRate);

} // namespace pk::cli
