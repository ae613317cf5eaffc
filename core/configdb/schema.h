#pragma once

// The ConfigDb schema as an ordered list of migrations, written once for both backends; SQLite's
// PRAGMA user_version or PostgreSQL's poolkeeper_schema table records how many ran.

#include <QStringList>

namespace pk::schema {

// Step i (0-based) brings a database from user_version i to i + 1.
const QList<QStringList>& migrations();

// A migration statement as the backend needs it. The steps are written in SQLite's words;
// PostgreSQL gets 64-bit integers, identity keys and doubles for them. A statement that starts
// with postgresOnly is PostgreSQL's alone (empty for SQLite).
inline constexpr const char* postgresOnly = "--postgresql\n";
// The channel ConfigDb's triggers notify on PostgreSQL, with the changed table as payload.
inline constexpr const char* notifyChannel = "poolkeeper";
QString forBackend(const QString& statement, bool postgres);

// Written to PRAGMA application_id so a foreign SQLite file is recognised ('PKDB').
constexpr int applicationId = 0x504B4442;

// PostgreSQL advisory lock keys: every write transaction holds the first; the active engine's
// session holds the second ('PKWL', 'PKEN').
constexpr qint64 writeLockKey = 0x504B574C;
constexpr qint64 engineLockKey = 0x504B454E;

} // namespace pk::schema
