#include "theme.h"

#include <QCoreApplication>

namespace pk {

QString displayName(PoolState state)
{
    switch (state) {
    case PoolState::Balanced:
        return QCoreApplication::translate("pk", "Balanced");
    case PoolState::Unbalanced:
        return QCoreApplication::translate("pk", "Unbalanced");
    case PoolState::Migrating:
        return QCoreApplication::translate("pk", "Migrating");
    }
    return {};
}

QString displayName(StorageState state)
{
    switch (state) {
    case StorageState::Online:
        return QCoreApplication::translate("pk", "Online");
    case StorageState::Marked:
        return QCoreApplication::translate("pk", "Marked for migration");
    case StorageState::Draining:
        return QCoreApplication::translate("pk", "Draining");
    case StorageState::Offline:
        return QCoreApplication::translate("pk", "Offline");
    }
    return {};
}

QString displayName(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return QCoreApplication::translate("pk", "Pending");
    case JobState::Running:
        return QCoreApplication::translate("pk", "Running");
    case JobState::Done:
        return QCoreApplication::translate("pk", "Done");
    case JobState::Failed:
        return QCoreApplication::translate("pk", "Failed");
    case JobState::Cancelled:
        return QCoreApplication::translate("pk", "Cancelled");
    }
    return {};
}

QString displayName(JobPhase phase)
{
    switch (phase) {
    case JobPhase::Queued:
        return QCoreApplication::translate("pk", "Queued");
    case JobPhase::Copying:
        return QCoreApplication::translate("pk", "Copying");
    case JobPhase::CatchUp:
        return QCoreApplication::translate("pk", "Catch-up");
    case JobPhase::Freeze:
        return QCoreApplication::translate("pk", "Freeze");
    case JobPhase::FinalCatchUp:
        return QCoreApplication::translate("pk", "Final catch-up");
    case JobPhase::Verifying:
        return QCoreApplication::translate("pk", "Verifying");
    case JobPhase::Switching:
        return QCoreApplication::translate("pk", "Switching");
    case JobPhase::Unfreeze:
        return QCoreApplication::translate("pk", "Unfreeze");
    case JobPhase::Compacting:
        return QCoreApplication::translate("pk", "Compacting");
    case JobPhase::Done:
        return QCoreApplication::translate("pk", "Done");
    case JobPhase::RollingBack:
        return QCoreApplication::translate("pk", "Rolling back");
    }
    return {};
}

namespace theme {

QColor normal()
{
    return QColor(0x2f, 0x7b, 0xd9);
}
QColor aboveHigh()
{
    return QColor(0xd6, 0x45, 0x3d);
}
QColor marked()
{
    return QColor(0xe8, 0x89, 0x1c);
}
QColor draining()
{
    return QColor(0x8b, 0x5c, 0xf6);
}
QColor offline()
{
    return QColor(0x9c, 0xa3, 0xaf);
}
QColor reserved()
{
    return QColor(0x7f, 0xb8, 0xf0);
}
QColor highWatermark()
{
    return QColor(0xd6, 0x45, 0x3d);
}
QColor lowWatermark()
{
    return QColor(0x2e, 0x9e, 0x5b);
}

QColor poolState(PoolState state)
{
    switch (state) {
    case PoolState::Balanced:
        return QColor(0x2e, 0x9e, 0x5b);
    case PoolState::Unbalanced:
        return marked();
    case PoolState::Migrating:
        return normal();
    }
    return normal();
}

QColor storageBar(StorageState state, bool isAboveHigh)
{
    switch (state) {
    case StorageState::Marked:
        return marked();
    case StorageState::Draining:
        return draining();
    case StorageState::Offline:
        return offline();
    case StorageState::Online:
        return isAboveHigh ? aboveHigh() : normal();
    }
    return normal();
}

QColor series(int index)
{
    static const QColor colours[]
        = { QColor(0x2f, 0x7b, 0xd9), QColor(0xe8, 0x89, 0x1c), QColor(0x2e, 0x9e, 0x5b), QColor(0x8b, 0x5c, 0xf6),
              QColor(0xd6, 0x45, 0x3d), QColor(0x14, 0xa3, 0xa3), QColor(0xc2, 0x4f, 0xa8), QColor(0x8a, 0x8f, 0x2c) };
    return colours[index % 8];
}

bool isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor logLevel(LogLevel level, const QPalette& palette)
{
    const bool dark = isDark(palette);
    switch (level) {
    case LogLevel::Debug:
        return palette.color(QPalette::Disabled, QPalette::Text);
    case LogLevel::Info:
        return {};
    case LogLevel::Warn:
        return dark ? QColor(0xf5, 0xb0, 0x41) : QColor(0xa8, 0x5c, 0x00);
    case LogLevel::Error:
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x1c, 0x28);
    }
    return {};
}

QColor jobOutcome(LogJobOutcome outcome)
{
    switch (outcome) {
    case LogJobOutcome::Done:
        return QColor(0x2e, 0xa0, 0x43);
    case LogJobOutcome::Failed:
        return QColor(0xd6, 0x45, 0x3d);
    case LogJobOutcome::Cancelled:
        return offline();
    case LogJobOutcome::Unknown:
        return normal();
    }
    return normal();
}

QColor searchHighlight(const QPalette& palette)
{
    return isDark(palette) ? QColor(0x8a, 0x6d, 0x00) : QColor(0xff, 0xe0, 0x66);
}

} // namespace theme

} // namespace pk
