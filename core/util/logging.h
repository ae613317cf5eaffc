#pragma once

// One logging category per area of Poolkeeper, for what goes wrong where going on is still safe
// (a cleanup that failed, a log line that could not be written): never silently dropped.
// See them with QT_LOGGING_RULES="poolkeeper.*.debug=true" (warnings are shown by default).

#include <QLoggingCategory>

namespace pk {

Q_DECLARE_LOGGING_CATEGORY(lcConfigDb)
Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcLogs)
Q_DECLARE_LOGGING_CATEGORY(lcMaster)
Q_DECLARE_LOGGING_CATEGORY(lcMigration)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
// The console's; declared here so that every library shares one list of areas.
Q_DECLARE_LOGGING_CATEGORY(lcUi)

} // namespace pk
