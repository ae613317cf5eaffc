#include "enginefixture.h"

#include "balance/balancer.h"
#include "configdb/poolrepo.h"
#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "engine/engine.h"
#include "storage/userstore.h"
#include "testtree.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>

namespace pk::test {

void CrowdedPool::makeUserTree(const QString& dir, qint64 bytes, quint32 seed)
{
    QDir().mkpath(dir + QStringLiteral("/docs/deep/er"));
    QDir().mkpath(dir + QStringLiteral("/empty dir"));
    qint64 small = 0;
    for (int i = 0; i < 8; ++i) {
        const qint64 size = 1000 + i * 3000;
        writeRandomFile(dir + QStringLiteral("/docs/note %1 ü.txt").arg(i), size, seed * 31 + static_cast<quint32>(i));
        small += size;
    }
    QFile(dir + QStringLiteral("/docs/empty")).open(QIODevice::WriteOnly);
    writeRandomFile(dir + QStringLiteral("/docs/deep/er/data.bin"), qMax<qint64>(1, bytes - small), seed);
    QFile::link(QStringLiteral("docs/deep"), dir + QStringLiteral("/shortcut"));
}

CrowdedPool::CrowdedPool(int users, qint64 userBytes, qint64 crowdedQuota, qint64 otherQuota, double high, double low)
    : m_fixture({ { QStringLiteral("s1"), crowdedQuota } })
{
    if (!m_fixture.isValid())
        return;
    auto pool = PoolRepo(db()).byName(QStringLiteral("main"));
    pool->highPercent = high;
    pool->lowPercent = low;
    if (auto status = PoolRepo(db()).update(*pool); !status) {
        m_error = status.message();
        return;
    }
    for (int i = 0; i < users; ++i) {
        const QString user = i == 0 ? QStringLiteral("Zoë user-%1").arg(i) : QStringLiteral("user-%1").arg(i);
        const QString tree = m_fixture.scratch(QStringLiteral("tree-%1-v0").arg(i));
        makeUserTree(tree, userBytes + qint64(i) * 17000, static_cast<quint32>(100 + i));
        auto backup = master().backup(user, tree, QString());
        if (!backup) {
            m_error = backup.message();
            return;
        }
        m_users.append(user);
        m_trees.insert(user, tree);
    }
    for (const QString& name : { QStringLiteral("s2"), QStringLiteral("s3") }) {
        QDir().mkpath(m_fixture.storagePath(name));
        if (auto storage = master().addStorage(QStringLiteral("main"), name, m_fixture.storagePath(name), otherQuota);
            !storage) {
            m_error = storage.message();
            return;
        }
    }
}

PoolRecord CrowdedPool::pool()
{
    return PoolRepo(db()).byName(QStringLiteral("main")).value();
}

QString CrowdedPool::changeTree(const QString& user, quint32 seed)
{
    // Only the newest version is ever compared, so the tree changes in place.
    QString tree = m_trees.value(user);
    writeRandomFile(tree + QStringLiteral("/added-%1.bin").arg(seed), 300000, seed);
    return tree;
}

QStringList CrowdedPool::checkEveryUser()
{
    QStringList problems;
    auto storages = StorageRepo(db()).list();
    if (!storages)
        return { storages.message() };
    for (const QString& name : std::as_const(m_users)) {
        auto user = UserRepo(db()).byName(name);
        if (!user) {
            problems.append(user.message());
            continue;
        }
        for (const StorageRecord& storage : std::as_const(*storages)) {
            const bool present = QFileInfo(storage.rootPath + QStringLiteral("/users/") + user->uuid).isDir();
            if (present != (storage.id == user->storageId))
                problems.append(QStringLiteral("%1: %2 on %3 (ConfigDb says %4)")
                                    .arg(name, present ? QStringLiteral("a copy") : QStringLiteral("no data"),
                                        storage.name, user->storageName));
        }
        const QString target
            = m_fixture.scratch(QStringLiteral("check-") + QString::number(qHash(name)) + QString::number(nowMs()));
        auto restore = master().restore(name, target, QString(), {});
        if (!restore) {
            problems.append(QStringLiteral("%1: restore failed: %2").arg(name, restore.message()));
            continue;
        }
        const QStringList differences = compareTrees(m_trees.value(name), target, false);
        if (!differences.isEmpty())
            problems.append(QStringLiteral("%1: %2").arg(name, differences.join(QStringLiteral("; "))));
    }
    for (const StorageRecord& storage : std::as_const(*storages)) {
        qint64 onDisk = 0;
        for (const QString& dir :
            QDir(storage.rootPath + QStringLiteral("/users")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            onDisk += UserStore(StorageRoot(storage.rootPath), dir).diskUsage().valueOr(0);
        if (onDisk != storage.usedBytes)
            problems.append(QStringLiteral("storage %1: ConfigDb counts %2 bytes, the disk holds %3")
                                .arg(storage.name)
                                .arg(storage.usedBytes)
                                .arg(onDisk));
    }
    return problems;
}

bool runEngineUntilIdle(const QString& workspace, std::function<void(const JobRecord&, JobPhase)> hook)
{
    Engine::Settings settings;
    settings.workspaceDir = workspace;
    settings.tickMs = 20;
    settings.phaseHook = std::move(hook);
    return runEngineUntilIdle(settings);
}

bool runEngineUntilIdle(const Engine::Settings& settings)
{
    Engine engine(settings);
    QSignalSpy idle(&engine, &Engine::idle);
    QSignalSpy failed(&engine, &Engine::startFailed);
    engine.start();
    const bool ok = failed.isEmpty() && (idle.count() > 0 || idle.wait(180000));
    engine.stop();
    return ok;
}

QList<qint64> planAndApprove(CrowdedPool& pool)
{
    Balancer balancer(pool.db());
    auto scan = balancer.scan(pool.pool());
    if (!scan)
        qWarning("scan failed: %s", qPrintable(scan.message()));
    auto plan = balancer.plan(pool.pool());
    if (!plan)
        qWarning("plan failed: %s", qPrintable(plan.message()));
    auto approved = balancer.approve(pool.pool());
    if (!approved) {
        qWarning("approve failed: %s", qPrintable(approved.message()));
        return {};
    }
    return approved->jobIds;
}

} // namespace pk::test
