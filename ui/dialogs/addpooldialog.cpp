#include "addpooldialog.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>

#include <utility>

namespace pk {

namespace {

QDoubleSpinBox* percentSpin(double value, QWidget* parent)
{
    auto* spin = new QDoubleSpinBox(parent);
    spin->setRange(0, 100);
    spin->setDecimals(1);
    spin->setSuffix(QStringLiteral(" %"));
    spin->setValue(value);
    return spin;
}

} // namespace

AddPoolDialog::AddPoolDialog(QStringList existingNames, QWidget* parent)
    : ValidatedDialog(parent)
    , m_existing(std::move(existingNames))
    , m_name(new QLineEdit(this))
    , m_high(percentSpin(80, this))
    , m_low(percentSpin(70, this))
    , m_mode(new QComboBox(this))
{
    setWindowTitle(tr("Add pool"));
    m_mode->addItem(tr("Review: an operator approves every plan"), static_cast<int>(PoolMode::Review));
    m_mode->addItem(tr("Automatic: plans run at once"), static_cast<int>(PoolMode::Automatic));
    form()->addRow(tr("&Name:"), m_name);
    form()->addRow(tr("&High watermark:"), m_high);
    form()->addRow(tr("&Low watermark:"), m_low);
    form()->addRow(tr("&Mode:"), m_mode);
    connect(m_name, &QLineEdit::textChanged, this, &AddPoolDialog::revalidate);
    connect(m_high, &QDoubleSpinBox::valueChanged, this, &AddPoolDialog::revalidate);
    connect(m_low, &QDoubleSpinBox::valueChanged, this, &AddPoolDialog::revalidate);
    revalidate();
}

QString AddPoolDialog::name() const
{
    return m_name->text().trimmed();
}
double AddPoolDialog::highPercent() const
{
    return m_high->value();
}
double AddPoolDialog::lowPercent() const
{
    return m_low->value();
}
PoolMode AddPoolDialog::mode() const
{
    return static_cast<PoolMode>(m_mode->currentData().toInt());
}

QString AddPoolDialog::validate() const
{
    if (name().isEmpty())
        return tr("Give the pool a name.");
    if (m_existing.contains(name()))
        return tr("A pool named \"%1\" already exists.").arg(name());
    if (m_high->value() <= 0)
        return tr("The high watermark must be above 0 %.");
    if (m_low->value() >= m_high->value())
        return tr("The low watermark must be below the high watermark.");
    return {};
}

} // namespace pk
