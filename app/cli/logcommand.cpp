#include "commands.h"

namespace pk::cli {

// The log command arrives with the log viewer's index (see core/logs).
QList<CommandSpec> logCommands()
{
    return {};
}

} // namespace pk::cli
