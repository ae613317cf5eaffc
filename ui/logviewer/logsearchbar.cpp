#include "logsearchbar.h"

#include "theme.h"

#include <QCheckBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace pk {

LogSearchBar::LogSearchBar(QWidget* parent)
    : QWidget(parent)
    , m_pattern(new QLineEdit(this))
    , m_regex(new QCheckBox(tr("Re&gex"), this))
    , m_case(new QCheckBox(tr("Match &case"), this))
    , m_previous(new QToolButton(this))
    , m_next(new QToolButton(this))
    , m_status(new QLabel(this))
{
    m_pattern->setPlaceholderText(tr("Search (Ctrl+F); Enter: next match, Shift+Enter: previous"));
    m_pattern->setClearButtonEnabled(true);
    m_pattern->setAccessibleName(tr("Search"));
    m_previous->setArrowType(Qt::UpArrow);
    m_previous->setToolTip(tr("Previous match (Shift+F3)"));
    m_previous->setAccessibleName(tr("Previous match"));
    m_next->setArrowType(Qt::DownArrow);
    m_next->setToolTip(tr("Next match (F3)"));
    m_next->setAccessibleName(tr("Next match"));
    m_status->setMinimumWidth(160);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pattern, 1);
    layout->addWidget(m_regex);
    layout->addWidget(m_case);
    layout->addWidget(m_previous);
    layout->addWidget(m_next);
    layout->addWidget(m_status);

    m_delay.setSingleShot(true);
    m_delay.setInterval(200);
    connect(&m_delay, &QTimer::timeout, this, &LogSearchBar::emitNow);
    connect(m_pattern, &QLineEdit::textChanged, this, [this] { m_delay.start(); });
    connect(m_regex, &QCheckBox::toggled, this, &LogSearchBar::emitNow);
    connect(m_case, &QCheckBox::toggled, this, &LogSearchBar::emitNow);
    connect(m_next, &QToolButton::clicked, this, &LogSearchBar::nextRequested);
    connect(m_previous, &QToolButton::clicked, this, &LogSearchBar::previousRequested);
    connect(m_pattern, &QLineEdit::returnPressed, this, [this] {
        // Enter runs a pending search first, then moves to its next match.
        emitNow();
        if (QGuiApplication::keyboardModifiers() & Qt::ShiftModifier)
            emit previousRequested();
        else
            emit nextRequested();
    });
}

LogSearch LogSearchBar::search() const
{
    LogSearch search;
    search.pattern = m_pattern->text();
    search.regularExpression = m_regex->isChecked();
    search.caseSensitivity = m_case->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive;
    return search;
}

void LogSearchBar::setPattern(const QString& pattern, bool regularExpression)
{
    const QSignalBlocker patternBlocker(m_pattern);
    const QSignalBlocker regexBlocker(m_regex);
    m_pattern->setText(pattern);
    m_regex->setChecked(regularExpression);
    emitNow();
}

void LogSearchBar::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    QPalette palette = m_status->palette();
    palette.setColor(QPalette::WindowText,
        error ? theme::logLevel(LogLevel::Error, palette) : this->palette().color(QPalette::WindowText));
    m_status->setPalette(palette);
}

void LogSearchBar::focusSearch()
{
    m_pattern->setFocus(Qt::ShortcutFocusReason);
    m_pattern->selectAll();
}

void LogSearchBar::emitNow()
{
    m_delay.stop();
    const LogSearch current = search();
    if (current == m_emitted)
        return;
    m_emitted = current;
    emit searchChanged(current);
}

} // namespace pk
