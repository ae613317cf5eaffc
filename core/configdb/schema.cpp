#include "schema.h"

#include <QRegularExpression>

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
        // 2: the balancing engine: throttles, scans, plans, migration jobs, alerts, capacity history.
        {
            QStringLiteral(
                "ALTER TABLE pools ADD COLUMN max_rate_bytes INTEGER NOT NULL DEFAULT 0 CHECK (max_rate_bytes >= 0)"),
            QStringLiteral(
                "ALTER TABLE pools ADD COLUMN max_moves_out INTEGER NOT NULL DEFAULT 1 CHECK (max_moves_out >= 1)"),
            QStringLiteral(
                "ALTER TABLE pools ADD COLUMN max_moves_in INTEGER NOT NULL DEFAULT 1 CHECK (max_moves_in >= 1)"),
            QStringLiteral("ALTER TABLE storages ADD COLUMN marked_ms INTEGER"),
            QStringLiteral(R"(CREATE TABLE scans (
                id INTEGER PRIMARY KEY,
                pool_id INTEGER NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
                created_ms INTEGER NOT NULL,
                deep INTEGER NOT NULL DEFAULT 1))"),
            QStringLiteral(R"(CREATE TABLE scan_results (
                scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                storage_id INTEGER NOT NULL REFERENCES storages(id) ON DELETE CASCADE,
                bytes INTEGER NOT NULL,
                snapshots INTEGER NOT NULL,
                candidate INTEGER NOT NULL,
                reason TEXT NOT NULL,
                PRIMARY KEY (scan_id, user_id)))"),
            QStringLiteral(R"(CREATE TABLE plans (
                id INTEGER PRIMARY KEY,
                pool_id INTEGER NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
                scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,
                kind TEXT NOT NULL DEFAULT 'balance' CHECK (kind IN ('balance', 'drain')),
                state TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'rejected', 'superseded')),
                created_ms INTEGER NOT NULL,
                decided_ms INTEGER,
                summary TEXT NOT NULL DEFAULT '',
                projected_json TEXT NOT NULL DEFAULT '[]'))"),
            QStringLiteral(R"(CREATE TABLE plan_moves (
                plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                from_storage_id INTEGER NOT NULL REFERENCES storages(id),
                to_storage_id INTEGER NOT NULL REFERENCES storages(id),
                bytes INTEGER NOT NULL,
                approved INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (plan_id, user_id)))"),
            QStringLiteral(R"(CREATE TABLE jobs (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL DEFAULT 'balance' CHECK (kind IN ('balance', 'drain')),
                plan_id INTEGER REFERENCES plans(id) ON DELETE SET NULL,
                user_id INTEGER NOT NULL REFERENCES users(id),
                from_storage_id INTEGER NOT NULL REFERENCES storages(id),
                to_storage_id INTEGER NOT NULL REFERENCES storages(id),
                phase TEXT NOT NULL DEFAULT 'queued',
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
                bytes_done INTEGER NOT NULL DEFAULT 0,
                bytes_total INTEGER NOT NULL DEFAULT 0,
                reserved_bytes INTEGER NOT NULL DEFAULT 0,
                dest_accounted_bytes INTEGER NOT NULL DEFAULT 0,
                error TEXT NOT NULL DEFAULT '',
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                owner_pid INTEGER,
                created_ms INTEGER NOT NULL,
                started_ms INTEGER,
                updated_ms INTEGER NOT NULL,
                finished_ms INTEGER))"),
            QStringLiteral("CREATE INDEX jobs_state ON jobs(state)"),
            // At most one active move per user, whoever approves it.
            QStringLiteral(
                "CREATE UNIQUE INDEX jobs_one_active_per_user ON jobs(user_id) WHERE state IN ('pending', 'running')"),
            QStringLiteral(R"(CREATE TABLE alerts (
                id INTEGER PRIMARY KEY,
                created_ms INTEGER NOT NULL,
                storage_id INTEGER REFERENCES storages(id) ON DELETE SET NULL,
                storage_name TEXT NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
                active INTEGER NOT NULL DEFAULT 1,
                acknowledged_ms INTEGER))"),
            // A standing "Low Free Space Available" is not raised again.
            QStringLiteral("CREATE UNIQUE INDEX alerts_one_standing ON alerts(storage_id, kind) WHERE active = 1 AND "
                           "kind = 'low_free_space'"),
            QStringLiteral(R"(CREATE TABLE capacity_samples (
                storage_id INTEGER NOT NULL REFERENCES storages(id) ON DELETE CASCADE,
                time_ms INTEGER NOT NULL,
                used_bytes INTEGER NOT NULL,
                capacity_bytes INTEGER NOT NULL,
                PRIMARY KEY (storage_id, time_ms)) WITHOUT ROWID)"),
        },
        // 3: an exact byte ledger. storages.used_bytes is the sum of what users hold (users.bytes),
        // of claims (a backup's chunks until it commits; a directory rescan found and nobody owns),
        // of copies in flight or left by a failed move (jobs.dest_accounted_bytes) and of sources
        // switched away but not yet compacted (jobs.source_bytes). Every claim ends at zero.
        {
            QStringLiteral(
                "ALTER TABLE jobs ADD COLUMN source_bytes INTEGER NOT NULL DEFAULT 0 CHECK (source_bytes >= 0)"),
            // A failed or cancelled move whose copy could not be removed yet (destination away).
            QStringLiteral("ALTER TABLE jobs ADD COLUMN cleanup_pending INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral(R"(CREATE TABLE claims (
                id INTEGER PRIMARY KEY,
                storage_id INTEGER NOT NULL REFERENCES storages(id) ON DELETE CASCADE,
                user_uuid TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('backup', 'orphan')),
                bytes INTEGER NOT NULL DEFAULT 0,
                owner_pid INTEGER NOT NULL DEFAULT 0,
                created_ms INTEGER NOT NULL))"),
            QStringLiteral("CREATE INDEX claims_directory ON claims(storage_id, user_uuid)"),
            // Earlier versions kept a finished copy's bytes on the job and left a failed move's
            // copy counted without a way to remove it: both become what the ledger expects.
            QStringLiteral("UPDATE jobs SET dest_accounted_bytes = 0 WHERE state = 'done' OR phase IN ('unfreeze', "
                           "'compacting', 'done')"),
            QStringLiteral("UPDATE jobs SET cleanup_pending = 1 WHERE state IN ('failed', 'cancelled') AND "
                           "dest_accounted_bytes > 0"),
        },
        // 4: the engines that serve this ConfigDb: the active one and its standbys, with the
        // heartbeat that tells a live one from one that died.
        {
            QStringLiteral(R"(CREATE TABLE engines (
                id INTEGER PRIMARY KEY,
                host TEXT NOT NULL,
                pid INTEGER NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('active', 'standby')),
                started_ms INTEGER NOT NULL,
                since_ms INTEGER NOT NULL,
                heartbeat_ms INTEGER NOT NULL))"),
        },
        // 5: PostgreSQL tells every console what changed, whichever machine changed it: a
        // statement trigger on each table the console shows notifies with the table's name
        // (PostgreSQL folds the notifications of one transaction together).
        [] {
            QStringList statements = { QLatin1String(postgresOnly)
                + QStringLiteral("CREATE OR REPLACE FUNCTION poolkeeper_notify() RETURNS trigger LANGUAGE plpgsql AS "
                                 "$$ BEGIN PERFORM pg_notify('%1', TG_TABLE_NAME); RETURN NULL; END $$")
                      .arg(QLatin1String(notifyChannel)) };
            for (const char* table :
                { "pools", "storages", "users", "scans", "plans", "plan_moves", "jobs", "alerts", "capacity_samples" })
                statements.append(QLatin1String(postgresOnly)
                    + QStringLiteral("CREATE TRIGGER %1_notify AFTER INSERT OR UPDATE OR DELETE ON %1 FOR EACH "
                                     "STATEMENT EXECUTE FUNCTION poolkeeper_notify()")
                          .arg(QLatin1String(table)));
            return statements;
        }(),
        // 6: a console elsewhere shows what the engine measured, reachable or not; a backup's claim
        // names the machine of its process, whose liveness only that machine can check.
        {
            QStringLiteral("ALTER TABLE capacity_samples ADD COLUMN reachable INTEGER NOT NULL DEFAULT 1"),
            QStringLiteral("ALTER TABLE claims ADD COLUMN owner_host TEXT NOT NULL DEFAULT ''"),
        },
        // 7: fencing and requests. Each engine that takes the lock draws the next epoch; a job
        // records the epoch of the engine running it, and every write of the job requires both to
        // be still current, so an engine that lost its lock can no longer change a job another one
        // took over. A console elsewhere asks the active engine for the work that reads the
        // storages (scans, drains) through the requests table.
        [] {
            QStringList statements = {
                QStringLiteral("CREATE TABLE engine_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT "
                               "NULL)"),
                QStringLiteral("INSERT INTO engine_epoch (id, epoch) VALUES (1, 0)"),
                QStringLiteral("ALTER TABLE jobs ADD COLUMN owner_epoch INTEGER NOT NULL DEFAULT 0"),
                QStringLiteral(R"(CREATE TABLE requests (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
                requested_by TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                updated_ms INTEGER NOT NULL,
                carried_out_by TEXT NOT NULL DEFAULT '',
                progress_done INTEGER NOT NULL DEFAULT 0,
                progress_total INTEGER NOT NULL DEFAULT 0,
                progress_text TEXT NOT NULL DEFAULT '',
                result TEXT NOT NULL DEFAULT '',
                result_count INTEGER NOT NULL DEFAULT 0,
                detail TEXT NOT NULL DEFAULT ''))"),
                QStringLiteral("CREATE INDEX requests_state ON requests(state)"),
            };
            statements.append(QLatin1String(postgresOnly)
                + QStringLiteral("CREATE TRIGGER requests_notify AFTER INSERT OR UPDATE OR DELETE ON requests FOR EACH "
                                 "STATEMENT EXECUTE FUNCTION poolkeeper_notify()"));
            return statements;
        }(),
    };
    return steps;
}

QString forBackend(const QString& statement, bool postgres)
{
    const QLatin1String marker(postgresOnly);
    if (statement.startsWith(marker))
        return postgres ? statement.mid(marker.size()) : QString();
    if (!postgres)
        return statement;
    static const QRegularExpression identity(QStringLiteral("\\bINTEGER PRIMARY KEY\\b"));
    static const QRegularExpression integer(QStringLiteral("\\bINTEGER\\b"));
    static const QRegularExpression real(QStringLiteral("\\bREAL\\b"));
    static const QRegularExpression withoutRowid(QStringLiteral("\\)\\s*WITHOUT ROWID\\s*$"));
    QString sql = statement;
    sql.replace(identity, QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"));
    sql.replace(integer, QStringLiteral("BIGINT"));
    sql.replace(real, QStringLiteral("DOUBLE PRECISION"));
    sql.replace(withoutRowid, QStringLiteral(")"));
    return sql;
}

} // namespace pk::schema
