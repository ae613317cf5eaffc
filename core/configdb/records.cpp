#include "records.h"

namespace pk {

QString toString(PoolMode mode)
{
    return mode == PoolMode::Automatic ? QStringLiteral("automatic") : QStringLiteral("review");
}

std::optional<PoolMode> poolModeFromString(const QString& text)
{
    if (text == QLatin1String("review"))
        return PoolMode::Review;
    if (text == QLatin1String("automatic"))
        return PoolMode::Automatic;
    return std::nullopt;
}

QString toString(StorageState state)
{
    switch (state) {
    case StorageState::Online:
        return QStringLiteral("online");
    case StorageState::Marked:
        return QStringLiteral("marked");
    case StorageState::Draining:
        return QStringLiteral("draining");
    case StorageState::Offline:
        return QStringLiteral("offline");
    }
    return QStringLiteral("online");
}

std::optional<StorageState> storageStateFromString(const QString& text)
{
    for (auto state : { StorageState::Online, StorageState::Marked, StorageState::Draining, StorageState::Offline }) {
        if (toString(state) == text)
            return state;
    }
    return std::nullopt;
}

} // namespace pk
