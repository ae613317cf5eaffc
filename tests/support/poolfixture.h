#pragma once

// A real workspace in a temporary directory: ConfigDb, a Master, one pool and storages with
// quotas, as tests of the storage layer and the engine need them.

#include "configdb/configdb.h"
#include "master/master.h"

#include <QTemporaryDir>

#include <memory>

namespace pk::test {

class PoolFixture
{
public:
    // storages: name -> quota in bytes (0: the filesystem's size)
    explicit PoolFixture(
        const QList<QPair<QString, qint64>>& storages = { { QStringLiteral("s1"), 0 }, { QStringLiteral("s2"), 0 } },
        const QString& poolName = QStringLiteral("main"));
    ~PoolFixture();
    PoolFixture(const PoolFixture&) = delete;
    PoolFixture& operator=(const PoolFixture&) = delete;

    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

    QString root() const { return m_dir.path(); }
    QString workspace() const { return m_dir.path() + QStringLiteral("/ws"); }
    QString storagePath(const QString& name) const { return m_dir.path() + QStringLiteral("/storages/") + name; }
    // A scratch directory for sources and restores.
    QString scratch(const QString& name) const;

    ConfigDb& db() { return *m_db; }
    Master& master() { return *m_master; }
    StorageRecord storage(const QString& name);
    UserRecord user(const QString& name);

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ConfigDb> m_db;
    std::unique_ptr<Master> m_master;
    QString m_error;
};

} // namespace pk::test
