#include "icons.h"

static void initPoolkeeperResources()
{
    Q_INIT_RESOURCE(poolkeeper);
}

namespace pk::icons {

void initResources()
{
    static const bool done = [] {
        initPoolkeeperResources();
        return true;
    }();
    Q_UNUSED(done);
}

namespace {
QIcon load(const char* name)
{
    initResources();
    return QIcon(QStringLiteral(":/icons/%1.svg").arg(QLatin1String(name)));
}
} // namespace

QIcon app()
{
    return load("poolkeeper");
}

QIcon poolState(PoolState state)
{
    switch (state) {
    case PoolState::Balanced:
        return load("pool-balanced");
    case PoolState::Unbalanced:
        return load("pool-unbalanced");
    case PoolState::Migrating:
        return load("pool-migrating");
    }
    return {};
}

QIcon storageState(StorageState state)
{
    switch (state) {
    case StorageState::Online:
        return load("state-online");
    case StorageState::Marked:
        return load("state-marked");
    case StorageState::Draining:
        return load("state-draining");
    case StorageState::Offline:
        return load("state-offline");
    }
    return {};
}

QIcon scan()
{
    return load("action-scan");
}
QIcon approve()
{
    return load("action-approve");
}
QIcon reject()
{
    return load("action-reject");
}
QIcon cancel()
{
    return load("action-cancel");
}
QIcon addPool()
{
    return load("action-add-pool");
}
QIcon addStorage()
{
    return load("action-add-storage");
}
QIcon settings()
{
    return load("action-settings");
}
QIcon drain()
{
    return load("action-drain");
}
QIcon balance()
{
    return load("action-balance");
}
QIcon refresh()
{
    return load("action-refresh");
}
QIcon alert()
{
    return load("alert");
}
QIcon log()
{
    return load("log");
}

} // namespace pk::icons
