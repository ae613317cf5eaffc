#include "addstoragedialog.h"

#include "storage/storageroot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

#include <cmath>
#include <utility>

namespace pk {

AddStorageDialog::AddStorageDialog(
    const QStringList& pools, const QString& currentPool, QStringList existingStorages, QWidget* parent)
    : ValidatedDialog(parent)
    , m_existing(std::move(existingStorages))
    , m_pool(new QComboBox(this))
    , m_name(new QLineEdit(this))
    , m_path(new QLineEdit(this))
    , m_useQuota(new QCheckBox(tr("Set a &quota (otherwise the filesystem's size)"), this))
    , m_quota(new QDoubleSpinBox(this))
    , m_unit(new QComboBox(this))
{
    setWindowTitle(tr("Add storage"));
    m_pool->addItems(pools);
    m_pool->setCurrentText(currentPool);
    auto* browse = new QPushButton(tr("&Browse…"), this);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    m_quota->setRange(0, 1e6);
    m_quota->setDecimals(1);
    m_quota->setValue(100);
    m_unit->addItems({ QStringLiteral("MiB"), QStringLiteral("GiB"), QStringLiteral("TiB") });
    m_unit->setCurrentIndex(1);
    auto* quotaRow = new QHBoxLayout;
    quotaRow->addWidget(m_quota, 1);
    quotaRow->addWidget(m_unit);
    form()->addRow(tr("&Pool:"), m_pool);
    form()->addRow(tr("&Name:"), m_name);
    form()->addRow(tr("&Directory:"), pathRow);
    form()->addRow(QString(), m_useQuota);
    form()->addRow(tr("Capacit&y:"), quotaRow);
    m_quota->setEnabled(false);
    m_unit->setEnabled(false);
    setMinimumWidth(520);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir
            = QFileDialog::getExistingDirectory(this, tr("Choose the storage's directory"), m_path->text());
        if (!dir.isEmpty())
            m_path->setText(dir);
    });
    connect(m_useQuota, &QCheckBox::toggled, this, [this](bool on) {
        m_quota->setEnabled(on);
        m_unit->setEnabled(on);
        revalidate();
    });
    connect(m_name, &QLineEdit::textChanged, this, &AddStorageDialog::revalidate);
    connect(m_path, &QLineEdit::textChanged, this, &AddStorageDialog::revalidate);
    connect(m_quota, &QDoubleSpinBox::valueChanged, this, &AddStorageDialog::revalidate);
    connect(m_pool, &QComboBox::currentIndexChanged, this, &AddStorageDialog::revalidate);
    revalidate();
}

QString AddStorageDialog::pool() const
{
    return m_pool->currentText();
}
QString AddStorageDialog::name() const
{
    return m_name->text().trimmed();
}
QString AddStorageDialog::path() const
{
    return m_path->text().trimmed();
}

qint64 AddStorageDialog::quotaBytes() const
{
    if (!m_useQuota->isChecked())
        return 0;
    return static_cast<qint64>(std::llround(std::ldexp(m_quota->value(), 20 + 10 * m_unit->currentIndex())));
}

QString AddStorageDialog::validate() const
{
    if (pool().isEmpty())
        return tr("Create a pool first.");
    if (name().isEmpty())
        return tr("Give the storage a name.");
    if (m_existing.contains(name()))
        return tr("A storage named \"%1\" already exists.").arg(name());
    if (QString problem = StorageRoot::describePathProblem(path()); !problem.isEmpty())
        return problem;
    if (m_useQuota->isChecked() && quotaBytes() <= 0)
        return tr("The quota must be greater than zero.");
    return {};
}

} // namespace pk
