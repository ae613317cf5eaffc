#pragma once

// Benchmarks of other areas register here with a static BenchmarkRegistration in their source.

#include "benchutil.h"

#include <functional>
#include <map>

namespace pk::bench {

using BenchmarkFunction = std::function<int(const Options&)>;
std::map<QString, BenchmarkFunction>& registeredBenchmarks();

struct BenchmarkRegistration
{
    BenchmarkRegistration(const QString& name, BenchmarkFunction function)
    {
        registeredBenchmarks().emplace(name, std::move(function));
    }
};

} // namespace pk::bench
