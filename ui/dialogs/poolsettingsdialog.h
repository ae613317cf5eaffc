#pragma once

// A pool's settings: watermarks, mode, and the throttle (byte rate, concurrent moves per storage).

#include "configdb/records.h"
#include "validateddialog.h"

class QDoubleSpinBox;
class QSpinBox;
class QComboBox;

namespace pk {

class PoolSettingsDialog : public ValidatedDialog
{
    Q_OBJECT
public:
    PoolSettingsDialog(const PoolRecord& pool, QWidget* parent = nullptr);
    PoolRecord pool() const;

    QDoubleSpinBox* highSpin() const { return m_high; }
    QDoubleSpinBox* lowSpin() const { return m_low; }

protected:
    QString validate() const override;

private:
    PoolRecord m_pool;
    QDoubleSpinBox* m_high;
    QDoubleSpinBox* m_low;
    QComboBox* m_mode;
    QDoubleSpinBox* m_rate;
    QSpinBox* m_out;
    QSpinBox* m_in;
};

} // namespace pk
