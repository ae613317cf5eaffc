#pragma once

// Shared pieces of poolkeeper-bench: timing of commands and of our own code in the same run,
// generated data, and the printed report. Ratios, not absolute times, are what we compare:
// the machines are shared and noisy.

#include <QElapsedTimer>
#include <QString>
#include <QStringList>

#include <functional>

namespace pk::bench {

struct Options
{
    qint64 sizeBytes = qint64(1) << 30;
    int repeats = 3;
    QString workDir; // on the filesystem to measure; default: a temporary directory
};

// Runs program with args and waits; aborts the benchmark on failure.
double timeCommand(const QString& program, const QStringList& args);
// Median wall time in seconds of repeats runs; prepare runs untimed before each.
double medianSeconds(int repeats, const std::function<void()>& prepare, const std::function<void()>& work);

// A tree like a user's home: most bytes in a few big files, most files small. Incompressible.
struct GeneratedTree
{
    qint64 bytes = 0;
    int files = 0;
};
GeneratedTree generateHomeTree(const QString& root, qint64 totalBytes, quint32 seed);

void removeTree(const QString& path);
void printHeader(const QString& title);
void printRow(const QString& label, double seconds, qint64 bytes, double baselineSeconds = 0, double target = 0);
[[noreturn]] void fail(const QString& message);

} // namespace pk::bench
