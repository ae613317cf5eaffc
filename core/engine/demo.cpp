#include "demo.h"

#include "configdb/samplerepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "master/master.h"
#include "master/workspace.h"
#include "storage/userstore.h"
#include "util/logging.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

namespace pk {

namespace {

struct DemoUser
{
    const char* name;
    int sizeMiB;
};

// Random content (incompressible, like real backups) in a few documents and a larger file.
void writeHomeDirectory(const QString& dir, qint64 bytes, quint32 seed)
{
    QDir().mkpath(dir + QStringLiteral("/Documents/Projects"));
    QDir().mkpath(dir + QStringLiteral("/Pictures"));
    QRandomGenerator random(seed);
    auto write = [&](const QString& path, qint64 size) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return;
        QByteArray block(static_cast<qsizetype>(qMin<qint64>(size, MiB)), Qt::Uninitialized);
        qint64 left = size;
        while (left > 0) {
            random.fillRange(reinterpret_cast<quint32*>(block.data()), block.size() / 4);
            const qint64 n = qMin<qint64>(left, block.size());
            file.write(block.constData(), n);
            left -= n;
        }
    };
    const QStringList documents { QStringLiteral("Documents/budget 2026.ods"),
        QStringLiteral("Documents/Projects/notes.md"), QStringLiteral("Documents/Projects/report.pdf"),
        QStringLiteral("Documents/contract.pdf") };
    qint64 left = bytes;
    for (const QString& document : documents) {
        const qint64 size = qMin<qint64>(left, 20000 + random.bounded(200000));
        write(dir + u'/' + document, size);
        left -= size;
    }
    int picture = 0;
    while (left > 0) {
        const qint64 size = qMin<qint64>(left, 2 * MiB + random.bounded(static_cast<int>(2 * MiB)));
        write(dir + QStringLiteral("/Pictures/IMG_%1.jpg").arg(4000 + picture++), size);
        left -= size;
    }
}

} // namespace

QString DemoWorkspace::defaultDirectory()
{
    return Workspace::defaultDirectory() + QStringLiteral("/demo");
}

bool DemoWorkspace::exists(const QString& directory)
{
    return QFileInfo::exists(Workspace::configDbPath(directory));
}

Status DemoWorkspace::create(const QString& directory, const std::function<void(const QString&)>& progress)
{
    if (exists(directory))
        return failed(QStringLiteral(
            "a demo workspace already exists at '%1'; nothing changed (remove the directory to start over)")
                          .arg(directory));
    if (QFileInfo::exists(directory) && !QDir(directory).isEmpty())
        return failed(QStringLiteral("'%1' is not empty: give an empty or new directory for the demo").arg(directory));
    auto report = [&](const QString& line) {
        if (progress)
            progress(line);
    };
    auto db = Workspace::create(directory);
    if (!db)
        return db.error();
    Master master(**db);
    if (auto pool = master.addPool(QStringLiteral("demo"), 80, 70, PoolMode::Review); !pool)
        return pool.error();

    const QString sources = directory + QStringLiteral("/.sources");
    auto addStorage = [&](const QString& name, qint64 quota) -> Status {
        const QString path = directory + QStringLiteral("/storages/") + name;
        if (auto status = posix::makePath(path); !status)
            return status;
        auto storage = master.addStorage(QStringLiteral("demo"), name, path, quota);
        return storage ? Status() : Status(storage.error());
    };
    SampleRepo samples(**db);
    auto recordSample = [&]() {
        QList<CapacitySample> list;
        const qint64 now = nowMs();
        for (const StorageUsage& usage : measureStorages(StorageRepo(**db).list().valueOr({})))
            list.append({ usage.storage.id, now, usage.storage.usedBytes, usage.capacityBytes });
        if (auto added = samples.add(list); !added)
            qCWarning(lcEngine) << "the demo's capacity chart misses a point:" << added.message();
    };
    auto backup = [&](const char* user, int sizeMiB, quint32 seed) -> Status {
        const QString home = sources + u'/' + QString::fromUtf8(user);
        writeHomeDirectory(home, sizeMiB * MiB, seed);
        report(QStringLiteral("backing up %1 (%2 MiB)").arg(QString::fromUtf8(user)).arg(sizeMiB));
        auto result = master.backup(QString::fromUtf8(user), home, QStringLiteral("demo"));
        if (!result)
            return result.error();
        // A second snapshot after a small change: deduplication keeps it cheap.
        QFile notes(home + QStringLiteral("/Documents/Projects/notes.md"));
        if (notes.open(QIODevice::Append))
            notes.write("\n- followed up on the review\n");
        notes.close();
        auto second = master.backup(QString::fromUtf8(user), home, QStringLiteral("demo"));
        recordSample();
        return second ? Status() : Status(second.error());
    };

    // store-a fills up first: it is the only storage while its users are placed.
    if (auto status = addStorage(QStringLiteral("store-a"), 100 * MiB); !status)
        return status;
    const DemoUser crowded[] = { { "archive-team", 40 }, { "alice", 7 }, { "bob", 6 }, { "carol", 6 }, { "dave", 5 },
        { "erin", 5 }, { "frank", 4 }, { "grace", 4 }, { "heidi", 3 }, { "Zoë Ångström", 3 } };
    quint32 seed = 1;
    for (const DemoUser& user : crowded) {
        if (auto status = backup(user.name, user.sizeMiB, seed++); !status)
            return status;
    }
    for (const auto& [name, quota] :
        { std::pair { "store-b", 80 }, std::pair { "store-c", 80 }, std::pair { "store-d", 60 } }) {
        if (auto status = addStorage(QString::fromLatin1(name), quota * MiB); !status)
            return status;
    }
    const DemoUser spread[] = { { "ivan", 6 }, { "judy", 5 }, { "mallory", 7 }, { "niaj", 4 }, { "olivia", 6 },
        { "peggy", 5 }, { "rupert", 4 }, { "sybil", 6 }, { "trent", 5 }, { "victor", 4 } };
    for (const DemoUser& user : spread) {
        if (auto status = backup(user.name, user.sizeMiB, seed++); !status)
            return status;
    }

    // One damaged chunk, so that the scan shows why a user cannot move.
    auto heidi = UserRepo(master.db()).byName(QStringLiteral("heidi"));
    auto storeA = StorageRepo(**db).byName(QStringLiteral("store-a"));
    if (heidi && storeA) {
        UserStore store(StorageRoot(storeA->rootPath), heidi->uuid);
        auto ids = store.snapshotIds();
        if (ids && !ids->isEmpty()) {
            auto manifest = store.readManifest(ids->constFirst());
            if (manifest) {
                for (const ManifestEntry& entry : std::as_const(manifest->entries)) {
                    if (entry.chunks.isEmpty())
                        continue;
                    const QString chunk = store.chunkPath(entry.chunks.constFirst().hash);
                    QFile::setPermissions(chunk, QFile::ReadOwner | QFile::WriteOwner);
                    {
                        QFile file(chunk);
                        if (file.open(QIODevice::ReadWrite)) {
                            file.seek(100);
                            file.write("bitrot");
                        }
                    }
                    // Read-only for its owner again, like every chunk.
                    QFile::setPermissions(chunk, QFile::ReadOwner);
                    break;
                }
            }
        }
    }
    // The backups are made; the files they were made from are only left-over space.
    if (auto removed = posix::removeTree(sources); !removed)
        qCWarning(lcEngine) << "cannot remove the demo's source files in" << sources << ":" << removed.message();
    report(QStringLiteral("demo workspace ready"));
    return {};
}

} // namespace pk
