// poolkeeper-bench: speed measured against standard tools in the same run, printed as ratios.
//   poolkeeper-bench backup [--size SIZE] [--repeats N] [--dir DIR]

#include "benchbackup.h"
#include "benchregistry.h"
#include "benchutil.h"
#include "util/sizes.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>

#include <cstdio>
#include <exception>
#include <functional>
#include <map>

using namespace pk::bench;

namespace {

int run(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments().mid(1);
    std::map<QString, std::function<int(const Options&)>> benchmarks {
        { QStringLiteral("backup"), runBackupBenchmark },
    };
    for (const auto& [name, run] : registeredBenchmarks())
        benchmarks.emplace(name, run);
    auto usage = [&] {
        std::fprintf(stderr, "usage: poolkeeper-bench BENCHMARK [--size SIZE] [--repeats N] [--dir DIR]\nbenchmarks:");
        for (const auto& [name, run] : benchmarks)
            std::fprintf(stderr, " %s", qPrintable(name));
        std::fprintf(stderr, "\n");
        return 2;
    };
    if (args.isEmpty() || !benchmarks.count(args.first()))
        return usage();
    Options options;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString& arg = args.at(i);
        if (i + 1 >= args.size())
            return usage();
        const QString& value = args.at(++i);
        if (arg == QLatin1String("--size")) {
            auto size = pk::parseSize(value);
            if (!size)
                fail(size.message());
            options.sizeBytes = *size;
        } else if (arg == QLatin1String("--repeats")) {
            options.repeats = qMax(1, value.toInt());
        } else if (arg == QLatin1String("--dir")) {
            options.workDir = value;
        } else {
            return usage();
        }
    }
    QTemporaryDir temporary(options.workDir.isEmpty() ? QDir::tempPath() + QStringLiteral("/poolkeeper-bench-XXXXXX")
                                                      : options.workDir + QStringLiteral("/poolkeeper-bench-XXXXXX"));
    if (!temporary.isValid())
        fail(QStringLiteral("cannot create a work directory"));
    options.workDir = temporary.path();
    const int result = benchmarks.at(args.first())(options);
    removeTree(temporary.path());
    return result;
}

} // namespace

int main(int argc, char* argv[])
{
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "poolkeeper-bench: %s\n", error.what());
        return 1;
    }
}
