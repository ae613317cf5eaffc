#include "welcomepage.h"

#include "icons.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace pk {

WelcomePage::WelcomePage(QWidget* parent)
    : QWidget(parent)
    , m_createPool(new QPushButton(icons::addPool(), tr("&Create a pool…"), this))
    , m_demo(new QPushButton(icons::balance(), tr("Open the &demo workspace"), this))
    , m_status(new QLabel(this))
{
    auto* logo = new QLabel(this);
    logo->setPixmap(icons::app().pixmap(96, 96));
    logo->setAlignment(Qt::AlignCenter);
    auto* title = new QLabel(tr("<h2>Welcome to Poolkeeper</h2>"), this);
    title->setAlignment(Qt::AlignCenter);
    auto* text = new QLabel(
        tr("This workspace has no pool yet. A pool groups storages; when one fills past the high watermark while "
           "another is under the low one, Poolkeeper moves consistent users and their snapshots to the freer "
           "storages, verified, while backups go on.<br><br>Create a pool and add its storages, or open the demo "
           "workspace to see an unbalanced pool being balanced."),
        this);
    text->setWordWrap(true);
    text->setAlignment(Qt::AlignCenter);
    text->setMaximumWidth(560);
    m_status->setAlignment(Qt::AlignCenter);
    m_createPool->setMinimumHeight(36);
    m_demo->setMinimumHeight(36);

    auto* layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addWidget(logo);
    layout->addWidget(title);
    layout->addWidget(text, 0, Qt::AlignHCenter);
    layout->addSpacing(16);
    layout->addWidget(m_createPool, 0, Qt::AlignHCenter);
    layout->addWidget(m_demo, 0, Qt::AlignHCenter);
    layout->addWidget(m_status);
    layout->addStretch(3);
    connect(m_createPool, &QPushButton::clicked, this, &WelcomePage::createPoolRequested);
    connect(m_demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
}

void WelcomePage::setBusy(const QString& message)
{
    m_status->setText(message);
    m_createPool->setEnabled(message.isEmpty());
    m_demo->setEnabled(message.isEmpty());
}

} // namespace pk
