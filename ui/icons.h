#pragma once

// The console's SVG icons (from the resources), by meaning rather than by file name.

#include "master/poolstatus.h"

#include <QIcon>

namespace pk::icons {

// Registers the console's resources (icons) once; they live in a static library, which the linker
// would otherwise drop.
void initResources();
QIcon app();
QIcon poolState(PoolState state);
QIcon storageState(StorageState state);
QIcon scan();
QIcon approve();
QIcon reject();
QIcon cancel();
QIcon addPool();
QIcon addStorage();
QIcon settings();
QIcon drain();
QIcon balance();
QIcon refresh();
QIcon alert();
QIcon log();

} // namespace pk::icons
