#pragma once

// The ConfigDb schema as an ordered list of migrations; PRAGMA user_version records how many ran.

#include <QStringList>

namespace pk::schema {

// Step i (0-based) brings a database from user_version i to i + 1.
const QList<QStringList>& migrations();

// Written to PRAGMA application_id so a foreign SQLite file is recognised ('PKDB').
constexpr int applicationId = 0x504B4442;

} // namespace pk::schema
