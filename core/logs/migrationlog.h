#pragma once

// Writes <storage root>/inSyncMigration.log and rotates it (.1, then .2.gz ... gzip-compressed).
// Safe for many threads and processes appending at once, and no crash loses or doubles a line.

#include "logrecord.h"
#include "util/result.h"
#include "util/sizes.h"

#include <QDeadlineTimer>
#include <QList>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <atomic>
#include <chrono>

namespace pk {

struct MigrationLogOptions
{
    // Rotate before an append that finds the log at least this big; 0 or less: never rotate.
    qint64 rotateBytes = 64 * MiB;
    // How many rotated files are kept: .1 (plain), .2.gz ... .<keep>.gz. At least 1.
    int keep = 5;
    // How long an append waits for another writer (a rotation compresses up to rotateBytes).
    std::chrono::milliseconds lockTimeout { 60000 };
};

class MigrationLog
{
public:
    using Options = MigrationLogOptions;

    explicit MigrationLog(QString storageRoot, Options options = {});
    MigrationLog(const MigrationLog&) = delete;
    MigrationLog& operator=(const MigrationLog&) = delete;

    // One line per record, all written with one write() under an exclusive flock on
    // inSyncMigration.log.lock, so lines of concurrent writers never interleave. Records with
    // bad keys are refused (Logfmt::validate). A missing storage root is an error: nothing is
    // created outside it. A failed rotation does not fail the append (the line is written to the
    // current file); rotationStatus() reports it and the next try comes a minute later.
    Status append(const LogRecord& record);
    Status appendLines(const QList<LogRecord>& records);

    Status rotationStatus() const;
    QString storageRoot() const { return m_root; }
    QString path() const;
    const Options& options() const { return m_options; }

    static QString fileName(); // "inSyncMigration.log"
    static QString lockFileName(); // "inSyncMigration.log.lock"
    // The log's files in a storage root, oldest first: .N.gz ... .2.gz, .1, the current file.
    // Read in this order they are one continuous log: a .1 that .2.gz is the compressed copy of
    // (a rotation between its two steps, or a crash there) is left out. Empty when there is none.
    static QStringList files(const QString& storageRoot);

private:
    Status write(const QByteArray& lines);
    Status rotateLocked();
    Status recoverLocked();
    QString rotatedPath(int index, bool compressed) const;

    QString m_root;
    Options m_options;
    std::atomic<bool> m_recovered { false };
    mutable QMutex m_mutex; // guards the two members below
    Status m_rotationStatus;
    QDeadlineTimer m_nextRotationTry;
};

} // namespace pk
