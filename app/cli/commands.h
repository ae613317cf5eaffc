#pragma once

// The commands of poolkeeper-cli, grouped by area; main() joins the groups into one table.

#include "commandline.h"
#include "storage/storageusage.h"

#include <QJsonObject>

namespace pk::cli {

QList<CommandSpec> adminCommands(); // init, pool ..., storage add/list/rescan
QList<CommandSpec> dataCommands(); // backup, restore, users, verify
QList<CommandSpec> statusCommands(); // status
QList<CommandSpec> balanceCommands(); // scan, plan, approve, reject, migrate, balance, storage drain
QList<CommandSpec> jobCommands(); // jobs, cancel, alerts, demo
QList<CommandSpec> logCommands(); // log
QList<CommandSpec> bundleCommands(); // bundle

QList<CommandSpec> allCommands();

// A storage in the JSON of `storage list` and `status`.
QJsonObject storageStatusJson(const StorageUsage& usage);

} // namespace pk::cli
