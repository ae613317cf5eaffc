#include "logfilterbar.h"

#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace pk {

namespace {

enum TimeRange { AnyTime, LastHour, LastDay, LastWeek, Custom };

} // namespace

LogFilterBar::LogFilterBar(const QStringList& storages, QWidget* parent)
    : QWidget(parent)
    , m_level(new QComboBox(this))
    , m_job(new QLineEdit(this))
    , m_user(new QLineEdit(this))
    , m_storage(new QComboBox(this))
    , m_time(new QComboBox(this))
    , m_from(new QDateTimeEdit(this))
    , m_to(new QDateTimeEdit(this))
    , m_clear(new QToolButton(this))
{
    m_level->addItem(tr("All levels"), -1);
    m_level->addItem(tr("Info and above"), int(LogLevel::Info));
    m_level->addItem(tr("Warnings and errors"), int(LogLevel::Warn));
    m_level->addItem(tr("Errors only"), int(LogLevel::Error));
    m_level->setAccessibleName(tr("Level"));

    m_job->setPlaceholderText(tr("Job"));
    m_job->setValidator(new QIntValidator(1, INT_MAX, m_job));
    m_job->setClearButtonEnabled(true);
    m_job->setMaximumWidth(90);
    m_job->setAccessibleName(tr("Job"));
    m_user->setPlaceholderText(tr("User"));
    m_user->setClearButtonEnabled(true);
    m_user->setMaximumWidth(160);
    m_user->setAccessibleName(tr("User"));

    m_storage->addItem(tr("All storages"));
    m_storage->addItems(storages);
    m_storage->setAccessibleName(tr("Storage"));
    m_storage->setVisible(storages.size() > 1);

    m_time->addItem(tr("Any time"), AnyTime);
    m_time->addItem(tr("Last hour"), LastHour);
    m_time->addItem(tr("Last 24 hours"), LastDay);
    m_time->addItem(tr("Last 7 days"), LastWeek);
    m_time->addItem(tr("Between…"), Custom);
    m_time->setAccessibleName(tr("Time range"));
    for (QDateTimeEdit* edit : { m_from, m_to }) {
        edit->setTimeSpec(Qt::UTC);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        edit->setCalendarPopup(true);
        edit->setVisible(false);
    }
    m_from->setAccessibleName(tr("From (UTC)"));
    m_to->setAccessibleName(tr("To (UTC)"));
    m_clear->setText(tr("Clear filters"));
    m_clear->setToolTip(tr("Show every line again"));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* label = new QLabel(tr("&Show:"), this);
    label->setBuddy(m_level);
    layout->addWidget(label);
    layout->addWidget(m_level);
    layout->addWidget(m_job);
    layout->addWidget(m_user);
    layout->addWidget(m_storage);
    layout->addWidget(m_time);
    layout->addWidget(m_from);
    layout->addWidget(m_to);
    layout->addWidget(m_clear);
    layout->addStretch(1);

    m_delay.setSingleShot(true);
    m_delay.setInterval(250);
    connect(&m_delay, &QTimer::timeout, this, &LogFilterBar::emitNow);
    m_slide.setInterval(60'000);
    connect(&m_slide, &QTimer::timeout, this, &LogFilterBar::emitNow);
    connect(m_level, &QComboBox::currentIndexChanged, this, &LogFilterBar::emitNow);
    connect(m_storage, &QComboBox::currentIndexChanged, this, &LogFilterBar::emitNow);
    connect(m_time, &QComboBox::currentIndexChanged, this, [this] {
        updateTimeRange();
        emitNow();
    });
    connect(m_job, &QLineEdit::textChanged, this, &LogFilterBar::changedSoon);
    connect(m_user, &QLineEdit::textChanged, this, &LogFilterBar::changedSoon);
    connect(m_job, &QLineEdit::returnPressed, this, &LogFilterBar::emitNow);
    connect(m_user, &QLineEdit::returnPressed, this, &LogFilterBar::emitNow);
    connect(m_from, &QDateTimeEdit::dateTimeChanged, this, &LogFilterBar::changedSoon);
    connect(m_to, &QDateTimeEdit::dateTimeChanged, this, &LogFilterBar::changedSoon);
    connect(m_clear, &QToolButton::clicked, this, &LogFilterBar::clear);
}

LogFilter LogFilterBar::filter() const
{
    LogFilter filter;
    if (const int level = m_level->currentData().toInt(); level >= 0)
        filter.minLevel = LogLevel(level);
    if (const qint64 job = this->job(); job > 0)
        filter.job = job;
    filter.user = m_user->text().trimmed();
    if (m_storage->currentIndex() > 0)
        filter.storages = QStringList { m_storage->currentText() };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    switch (m_time->currentData().toInt()) {
    case LastHour:
        filter.fromMs = now - qint64(3600) * 1000;
        break;
    case LastDay:
        filter.fromMs = now - qint64(24) * 3'600'000;
        break;
    case LastWeek:
        filter.fromMs = now - qint64(7) * 24 * 3'600'000;
        break;
    case Custom:
        filter.fromMs = m_from->dateTime().toMSecsSinceEpoch();
        filter.toMs = m_to->dateTime().toMSecsSinceEpoch() + 999;
        break;
    default:
        break;
    }
    return filter;
}

qint64 LogFilterBar::job() const
{
    return m_job->text().trimmed().toLongLong();
}

void LogFilterBar::setJob(qint64 job)
{
    const QSignalBlocker blocker(m_job);
    m_job->setText(job > 0 ? QString::number(job) : QString());
    emitNow();
}

void LogFilterBar::clear()
{
    for (QObject* widget : std::initializer_list<QObject*> { m_level, m_job, m_user, m_storage, m_time })
        widget->blockSignals(true);
    m_level->setCurrentIndex(0);
    m_job->clear();
    m_user->clear();
    m_storage->setCurrentIndex(0);
    m_time->setCurrentIndex(0);
    for (QObject* widget : std::initializer_list<QObject*> { m_level, m_job, m_user, m_storage, m_time })
        widget->blockSignals(false);
    updateTimeRange();
    emitNow();
}

void LogFilterBar::changedSoon()
{
    m_delay.start();
}

void LogFilterBar::emitNow()
{
    m_delay.stop();
    const LogFilter current = filter();
    // A relative range is "now" based: emit it again even when nothing else changed.
    if (current == m_emitted && !current.fromMs)
        return;
    m_emitted = current;
    emit filterChanged(current);
}

void LogFilterBar::updateTimeRange()
{
    const int range = m_time->currentData().toInt();
    // "Last hour" while following: the window moves on, and lines that leave it go.
    if (range == LastHour || range == LastDay || range == LastWeek)
        m_slide.start();
    else
        m_slide.stop();
    const bool custom = range == Custom;
    if (custom && m_from->isHidden()) {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QSignalBlocker fromBlocker(m_from);
        const QSignalBlocker toBlocker(m_to);
        m_from->setDateTime(now.addSecs(qint64(-24) * 3600));
        m_to->setDateTime(now);
    }
    m_from->setVisible(custom);
    m_to->setVisible(custom);
}

} // namespace pk
