#pragma once

// Named points where tests of crash safety and of races between processes make a process die or
// wait, so that an interleaving that is rare in life happens on every run:
//   POOLKEEPER_FAILPOINTS="rescan-listed=pause,storage-json-written=kill"
// "kill" raises SIGKILL; "pause" creates <dir>/<name>.reached and waits until <dir>/<name>.go
// exists, dir being POOLKEEPER_FAILPOINT_DIR. Without the variable a failpoint costs one check of
// a flag set once per process.

namespace pk {

void failpoint(const char* name);

} // namespace pk
