#pragma once

// A pill with the pool's state: Balanced, Unbalanced or Migrating.

#include "master/poolstatus.h"

#include <QLabel>

namespace pk {

class StateBadge : public QLabel
{
    Q_OBJECT
public:
    explicit StateBadge(QWidget* parent = nullptr);
    void setState(PoolState state);
    PoolState state() const { return m_state; }

private:
    PoolState m_state = PoolState::Balanced;
};

} // namespace pk
