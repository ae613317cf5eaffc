#pragma once

// A pool with one crowded storage for engine tests: users backed up onto s1 while it is the only
// storage, then s2 and s3 added empty. The users' source trees are kept for byte-for-byte checks.

#include "configdb/enginerecords.h"
#include "engine/engine.h"
#include "poolfixture.h"

#include <QHash>
#include <QStringList>

#include <functional>

namespace pk::test {

class CrowdedPool
{
public:
    // userBytes: approximate size of each user's tree.
    CrowdedPool(int users, qint64 userBytes, qint64 crowdedQuota, qint64 otherQuota, double high = 80, double low = 70);

    bool isValid() const { return m_error.isEmpty() && m_fixture.isValid(); }
    QString error() const { return m_error.isEmpty() ? m_fixture.error() : m_error; }
    PoolFixture& fixture() { return m_fixture; }
    Master& master() { return m_fixture.master(); }
    ConfigDb& db() { return m_fixture.db(); }
    PoolRecord pool();
    QString workspace() const { return m_fixture.workspace(); }
    QStringList users() const { return m_users; }
    QString tree(const QString& user) const { return m_trees.value(user); }

    // Adds a file to a user's tree (for backups during a migration); returns the tree.
    QString changeTree(const QString& user, quint32 seed);
    // Empty when every user lives in exactly one place on disk (its ConfigDb storage), restores
    // byte for byte to its newest tree, and every storage's used bytes match the disk.
    QStringList checkEveryUser();

    static void makeUserTree(const QString& dir, qint64 bytes, quint32 seed);

private:
    PoolFixture m_fixture;
    QString m_error;
    QStringList m_users;
    QHash<QString, QString> m_trees;
};

// Runs an engine in this thread until no job is pending or running (hook: phaseHook for tests).
bool runEngineUntilIdle(const QString& workspace, std::function<void(const JobRecord&, JobPhase)> hook = {});
// The same with settings of the test's own (workspaceDir and tickMs included).
bool runEngineUntilIdle(const Engine::Settings& settings);
// Scans, plans and approves the pool's plan; the ids of the jobs it approved.
QList<qint64> planAndApprove(CrowdedPool& pool);

} // namespace pk::test
