#include "logging.h"

namespace pk {

Q_LOGGING_CATEGORY(lcStorage, "pk.storage", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMaster, "pk.master", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMigration, "pk.migration", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEngine, "pk.engine", QtInfoMsg)

} // namespace pk
