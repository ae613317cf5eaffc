#include "poolsettingsdialog.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>

namespace pk {

PoolSettingsDialog::PoolSettingsDialog(const PoolRecord& pool, QWidget* parent)
    : ValidatedDialog(parent)
    , m_pool(pool)
    , m_high(new QDoubleSpinBox(this))
    , m_low(new QDoubleSpinBox(this))
    , m_mode(new QComboBox(this))
    , m_rate(new QDoubleSpinBox(this))
    , m_out(new QSpinBox(this))
    , m_in(new QSpinBox(this))
{
    setWindowTitle(tr("Settings of pool %1").arg(pool.name));
    for (QDoubleSpinBox* spin : { m_high, m_low }) {
        spin->setRange(0, 100);
        spin->setDecimals(1);
        spin->setSuffix(QStringLiteral(" %"));
    }
    m_high->setValue(pool.highPercent);
    m_low->setValue(pool.lowPercent);
    m_mode->addItem(tr("Review: an operator approves every plan"), static_cast<int>(PoolMode::Review));
    m_mode->addItem(tr("Automatic: plans run at once"), static_cast<int>(PoolMode::Automatic));
    m_mode->setCurrentIndex(pool.mode == PoolMode::Automatic ? 1 : 0);
    m_rate->setRange(0, 100000);
    m_rate->setDecimals(1);
    m_rate->setSuffix(tr(" MiB/s"));
    m_rate->setSpecialValueText(tr("Unlimited"));
    m_rate->setValue(static_cast<double>(pool.maxRateBytes) / (1024.0 * 1024.0));
    m_out->setRange(1, 16);
    m_out->setValue(pool.maxMovesOut);
    m_in->setRange(1, 16);
    m_in->setValue(pool.maxMovesIn);
    form()->addRow(tr("&High watermark:"), m_high);
    form()->addRow(tr("&Low watermark:"), m_low);
    form()->addRow(tr("&Mode:"), m_mode);
    form()->addRow(tr("Migration &rate:"), m_rate);
    form()->addRow(tr("Moves &out of a storage at once:"), m_out);
    form()->addRow(tr("Moves &into a storage at once:"), m_in);
    connect(m_high, &QDoubleSpinBox::valueChanged, this, &PoolSettingsDialog::revalidate);
    connect(m_low, &QDoubleSpinBox::valueChanged, this, &PoolSettingsDialog::revalidate);
    revalidate();
}

PoolRecord PoolSettingsDialog::pool() const
{
    PoolRecord pool = m_pool;
    pool.highPercent = m_high->value();
    pool.lowPercent = m_low->value();
    pool.mode = static_cast<PoolMode>(m_mode->currentData().toInt());
    pool.maxRateBytes = static_cast<qint64>(m_rate->value() * 1024.0 * 1024.0);
    pool.maxMovesOut = m_out->value();
    pool.maxMovesIn = m_in->value();
    return pool;
}

QString PoolSettingsDialog::validate() const
{
    if (m_high->value() <= 0)
        return tr("The high watermark must be above 0 %.");
    if (m_low->value() >= m_high->value())
        return tr("The low watermark must be below the high watermark.");
    return {};
}

} // namespace pk
