#include "poolfixture.h"

#include "configdb/storagerepo.h"
#include "configdb/userrepo.h"
#include "master/workspace.h"
#include "pgserver.h"
#include "util/posixio.h"

#include <QDir>

namespace pk::test {

PoolFixture::PoolFixture(const QList<QPair<QString, qint64>>& storages, const QString& poolName)
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory");
        return;
    }
    ConfigDbLocation location = ConfigDbLocation::sqlite(Workspace::configDbPath(workspace()));
    if (PgServer::testsUsePostgres()) {
        PgServer* server = PgServer::shared(&m_error);
        if (!server)
            return;
        location = server->createDatabase(QStringLiteral("pool"), &m_error);
        if (!location.isPostgres())
            return;
    }
    auto db = Workspace::create(workspace(), location);
    if (!db) {
        m_error = db.message();
        return;
    }
    // Engines and commands that open the workspace find the database there.
    if (location.isPostgres()) {
        if (auto recorded = Workspace::writeConfig(workspace(), location); !recorded) {
            m_error = recorded.message();
            return;
        }
    }
    m_db = std::move(*db);
    m_master = std::make_unique<Master>(*m_db);
    if (auto pool = m_master->addPool(poolName, 80, 70, PoolMode::Review); !pool) {
        m_error = pool.message();
        return;
    }
    for (const auto& [name, quota] : storages) {
        QDir().mkpath(storagePath(name));
        auto storage = m_master->addStorage(
            poolName, name, storagePath(name), quota > 0 ? std::optional<qint64>(quota) : std::nullopt);
        if (!storage) {
            m_error = storage.message();
            return;
        }
    }
}

PoolFixture::~PoolFixture()
{
    m_master.reset();
    m_db.reset();
    // QDir::removeRecursively cannot delete names that are not UTF-8; this can.
    (void)posix::removeTree(m_dir.path());
}

QString PoolFixture::scratch(const QString& name) const
{
    QDir().mkpath(m_dir.path() + QStringLiteral("/scratch"));
    return m_dir.path() + QStringLiteral("/scratch/") + name;
}

StorageRecord PoolFixture::storage(const QString& name)
{
    return StorageRepo(*m_db).byName(name).value();
}

UserRecord PoolFixture::user(const QString& name)
{
    return UserRepo(*m_db).byName(name).value();
}

} // namespace pk::test
