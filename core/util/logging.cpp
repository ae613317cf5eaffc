#include "logging.h"

namespace pk {

Q_LOGGING_CATEGORY(lcConfigDb, "poolkeeper.configdb", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStorage, "poolkeeper.storage", QtInfoMsg)
Q_LOGGING_CATEGORY(lcLogs, "poolkeeper.logs", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMaster, "poolkeeper.master", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMigration, "poolkeeper.migration", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEngine, "poolkeeper.engine", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "poolkeeper.ui", QtInfoMsg)

} // namespace pk
