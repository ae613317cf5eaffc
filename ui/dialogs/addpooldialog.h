#pragma once

// Adding a pool: a name not yet taken, the watermarks (low below high) and the mode.

#include "configdb/records.h"
#include "validateddialog.h"

class QLineEdit;
class QDoubleSpinBox;
class QComboBox;

namespace pk {

class AddPoolDialog : public ValidatedDialog
{
    Q_OBJECT
public:
    AddPoolDialog(QStringList existingNames, QWidget* parent = nullptr);

    QString name() const;
    double highPercent() const;
    double lowPercent() const;
    PoolMode mode() const;

    QLineEdit* nameEdit() const { return m_name; }
    QDoubleSpinBox* highSpin() const { return m_high; }
    QDoubleSpinBox* lowSpin() const { return m_low; }

protected:
    QString validate() const override;

private:
    QStringList m_existing;
    QLineEdit* m_name;
    QDoubleSpinBox* m_high;
    QDoubleSpinBox* m_low;
    QComboBox* m_mode;
};

} // namespace pk
