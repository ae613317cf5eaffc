#pragma once

#include "benchutil.h"

namespace pk::bench {
int runBackupBenchmark(const Options& options);
} // namespace pk::bench
