#include "statebadge.h"

#include "theme.h"

namespace pk {

StateBadge::StateBadge(QWidget* parent)
    : QLabel(parent)
{
    setState(PoolState::Balanced);
}

void StateBadge::setState(PoolState state)
{
    m_state = state;
    setText(displayName(state));
    // White on the state colour: readable on light and dark windows alike.
    setStyleSheet(QStringLiteral(
        "QLabel { background: %1; color: white; border-radius: 9px; padding: 2px 12px; font-weight: bold; }")
                      .arg(theme::poolState(state).name()));
}

} // namespace pk
