#pragma once

// Names and colours of pool and storage states, the same in the sidebar, the badges and the
// charts; colours chosen to read on light and on dark palettes.

#include "configdb/enginerecords.h"
#include "logs/jobtimeline.h"
#include "logs/logrecord.h"
#include "master/poolstatus.h"

#include <QColor>
#include <QPalette>
#include <QString>

namespace pk {

QString displayName(PoolState state);
QString displayName(StorageState state);
QString displayName(JobState state);
QString displayName(JobPhase phase);

namespace theme {

QColor normal(); // online, below high
QColor aboveHigh(); // at or above high, not marked yet
QColor marked();
QColor draining();
QColor offline();
QColor reserved(); // bytes reserved by moves in flight
QColor highWatermark();
QColor lowWatermark();
QColor poolState(PoolState state);
QColor storageBar(StorageState state, bool aboveHigh);
// A distinct colour per series (history lines), by index.
QColor series(int index);
bool isDark(const QPalette& palette);
// Text colour of a log line's level (invalid for info: the palette's text colour).
QColor logLevel(LogLevel level, const QPalette& palette);
// A job's bar in the log viewer's timeline.
QColor jobOutcome(LogJobOutcome outcome);
// Behind the text that matches a search.
QColor searchHighlight(const QPalette& palette);

} // namespace theme

} // namespace pk
