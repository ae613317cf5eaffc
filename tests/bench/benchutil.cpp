#include "benchutil.h"

#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace pk::bench {

void fail(const QString& message)
{
    std::fprintf(stderr, "poolkeeper-bench: %s\n", qPrintable(message));
    std::exit(1);
}

double timeCommand(const QString& program, const QStringList& args)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedChannels);
    QElapsedTimer timer;
    timer.start();
    process.start(program, args);
    if (!process.waitForFinished(-1) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        fail(QStringLiteral("'%1 %2' failed").arg(program, args.join(u' ')));
    return static_cast<double>(timer.nsecsElapsed()) / 1e9;
}

double medianSeconds(int repeats, const std::function<void()>& prepare, const std::function<void()>& work)
{
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
        if (prepare)
            prepare();
        QElapsedTimer timer;
        timer.start();
        work();
        times.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e9);
    }
    std::sort(times.begin(), times.end());
    return times.at(times.size() / 2);
}

GeneratedTree generateHomeTree(const QString& root, qint64 totalBytes, quint32 seed)
{
    QRandomGenerator random(seed);
    GeneratedTree tree;
    const qint64 bigShare = totalBytes * 7 / 10;
    std::vector<quint32> block((4 << 20) / 4);
    auto writeFile = [&](const QString& path, qint64 size) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            fail(QStringLiteral("cannot write %1").arg(path));
        qint64 left = size;
        while (left > 0) {
            random.fillRange(block.data(), static_cast<qsizetype>(block.size()));
            const qint64 n = qMin<qint64>(left, static_cast<qint64>(block.size() * 4));
            file.write(reinterpret_cast<const char*>(block.data()), n);
            left -= n;
        }
        tree.bytes += size;
        ++tree.files;
    };
    QDir().mkpath(root + QStringLiteral("/media"));
    qint64 big = 0;
    for (int i = 0; big < bigShare; ++i) {
        const qint64 size = qMin<qint64>(bigShare - big, (8 + random.bounded(32)) * qint64(1 << 20));
        writeFile(root + QStringLiteral("/media/video%1.mkv").arg(i), size);
        big += size;
    }
    for (int i = 0; tree.bytes < totalBytes; ++i) {
        const QString dir = root + QStringLiteral("/documents/project%1/part%2").arg(i / 200).arg(i / 40);
        if (i % 40 == 0)
            QDir().mkpath(dir);
        const qint64 size = qMin<qint64>(totalBytes - tree.bytes, 4096 + random.bounded(256 * 1024));
        writeFile(dir + QStringLiteral("/file%1.dat").arg(i), size);
    }
    return tree;
}

void removeTree(const QString& path)
{
    (void)posix::removeTree(path);
}

void printHeader(const QString& title)
{
    std::printf("\n%s\n", qPrintable(title));
}

void printRow(const QString& label, double seconds, qint64 bytes, double baselineSeconds, double target)
{
    const double rate = seconds > 0 ? static_cast<double>(bytes) / seconds / (1024.0 * 1024.0) : 0.0;
    QString line = QStringLiteral("  %1 %2 s  %3 MiB/s").arg(label, -34).arg(seconds, 7, 'f', 2).arg(rate, 7, 'f', 0);
    if (baselineSeconds > 0) {
        const double ratio = seconds / baselineSeconds;
        line += QStringLiteral("  ratio %1x").arg(ratio, 0, 'f', 2);
        if (target > 0)
            line += QStringLiteral(" (target <= %1x: %2)")
                        .arg(target, 0, 'f', 1)
                        .arg(ratio <= target ? QStringLiteral("met") : QStringLiteral("MISSED"));
    }
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

} // namespace pk::bench

#include "benchregistry.h"

namespace pk::bench {

std::map<QString, BenchmarkFunction>& registeredBenchmarks()
{
    static std::map<QString, BenchmarkFunction> benchmarks;
    return benchmarks;
}

} // namespace pk::bench
