#include "schema.h"

namespace pk::schema {

const QList<QStringList>& migrations()
{
    static const QList<QStringList> steps = {
        // 1: pools, storages, users and snapshots.
        {
            QStringLiteral(R"(CREATE TABLE pools (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                high_percent REAL NOT NULL DEFAULT 80 CHECK (high_percent > 0 AND high_percent <= 100),
                low_percent REAL NOT NULL DEFAULT 70 CHECK (low_percent >= 0 AND low_percent < high_percent),
                mode TEXT NOT NULL DEFAULT 'review' CHECK (mode IN ('review', 'automatic')),
                created_ms INTEGER NOT NULL))"),
            QStringLiteral(R"(CREATE TABLE storages (
                id INTEGER PRIMARY KEY,
                pool_id INTEGER NOT NULL REFERENCES pools(id) ON DELETE RESTRICT,
                name TEXT NOT NULL UNIQUE,
                root_path TEXT NOT NULL UNIQUE,
                storage_uuid TEXT NOT NULL UNIQUE,
                capacity_bytes INTEGER CHECK (capacity_bytes IS NULL OR capacity_bytes > 0),
                state TEXT NOT NULL DEFAULT 'online' CHECK (state IN ('online', 'marked', 'draining', 'offline')),
                used_bytes INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
                created_ms INTEGER NOT NULL))"),
            QStringLiteral("CREATE INDEX storages_pool ON storages(pool_id)"),
            QStringLiteral(R"(CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                uuid TEXT NOT NULL UNIQUE,
                storage_id INTEGER NOT NULL REFERENCES storages(id) ON DELETE RESTRICT,
                bytes INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
                created_ms INTEGER NOT NULL))"),
            QStringLiteral("CREATE INDEX users_storage ON users(storage_id)"),
            QStringLiteral(R"(CREATE TABLE snapshots (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                snapshot_id TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                files INTEGER NOT NULL DEFAULT 0,
                logical_bytes INTEGER NOT NULL DEFAULT 0,
                added_bytes INTEGER NOT NULL DEFAULT 0,
                UNIQUE (user_id, snapshot_id)))"),
        },
    };
    return steps;
}

} // namespace pk::schema
