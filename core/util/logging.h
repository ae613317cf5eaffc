#pragma once

// One logging category per area of the core, for what goes wrong where going on is still safe
// (a cleanup that failed, a log line that could not be written): never silently dropped.
// Enable them with QT_LOGGING_RULES="pk.*.debug=true".

#include <QLoggingCategory>

namespace pk {

Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcMaster)
Q_DECLARE_LOGGING_CATEGORY(lcMigration)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)

} // namespace pk
