#pragma once

// Value types for the rows of ConfigDb; they cross threads by value (engine -> console).

#include <QMetaType>
#include <QString>

#include <optional>

namespace pk {

enum class PoolMode { Review, Automatic };
enum class StorageState { Online, Marked, Draining, Offline };

QString toString(PoolMode mode);
std::optional<PoolMode> poolModeFromString(const QString& text);
QString toString(StorageState state);
std::optional<StorageState> storageStateFromString(const QString& text);

struct PoolRecord
{
    qint64 id = 0;
    QString name;
    double highPercent = 80.0;
    double lowPercent = 70.0;
    PoolMode mode = PoolMode::Review;
    qint64 maxRateBytes = 0; // migration bytes per second; 0: unlimited
    int maxMovesOut = 1; // concurrent moves out of one storage
    int maxMovesIn = 1; // concurrent moves into one storage
};

struct StorageRecord
{
    qint64 id = 0;
    qint64 poolId = 0;
    QString poolName;
    QString name;
    QString rootPath;
    QString uuid;
    std::optional<qint64> quotaBytes; // none: the capacity is the filesystem's size
    StorageState state = StorageState::Online;
    qint64 usedBytes = 0;
    qint64 markedMs = 0; // since when it takes no new users (marked for migration or draining)
};

struct UserRecord
{
    qint64 id = 0;
    QString name;
    QString uuid;
    qint64 storageId = 0;
    QString storageName;
    QString poolName;
    qint64 bytes = 0;
    int snapshotCount = 0;
};

struct SnapshotRecord
{
    qint64 id = 0;
    qint64 userId = 0;
    QString snapshotId;
    qint64 createdMs = 0;
    qint64 files = 0;
    qint64 logicalBytes = 0;
    qint64 addedBytes = 0;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::PoolRecord)
Q_DECLARE_METATYPE(pk::StorageRecord)
Q_DECLARE_METATYPE(pk::UserRecord)
