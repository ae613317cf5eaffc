#include "validateddialog.h"

#include "theme.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace pk {

ValidatedDialog::ValidatedDialog(QWidget* parent)
    : QDialog(parent)
    , m_form(new QFormLayout)
    , m_message(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("validationMessage"));
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, theme::aboveHigh());
    m_message->setPalette(palette);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_message);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        revalidate();
        if (isAcceptable())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void ValidatedDialog::revalidate()
{
    m_problem = validate();
    m_message->setText(m_problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_problem.isEmpty());
}

} // namespace pk
