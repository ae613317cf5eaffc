target_sources(poolkeeper-bench PRIVATE bench/benchmigrate.cpp)
