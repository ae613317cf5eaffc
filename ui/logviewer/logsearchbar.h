#pragma once

// The log viewer's search row: text or regular expression, case, next and previous match, and
// how many lines match. The search itself runs in the LogQueryRunner's worker thread.

#include "logs/logfilter.h"

#include <QTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QToolButton;

namespace pk {

class LogSearchBar : public QWidget
{
    Q_OBJECT
public:
    explicit LogSearchBar(QWidget* parent = nullptr);

    LogSearch search() const;
    void setPattern(const QString& pattern, bool regularExpression = false);
    // "12 of 340 lines", "Searching… 40 %", or a bad expression's message (shown as an error).
    void setStatus(const QString& text, bool error = false);
    void focusSearch();

    QLineEdit* patternEdit() const { return m_pattern; }
    QCheckBox* regexBox() const { return m_regex; }
    QCheckBox* caseBox() const { return m_case; }
    QToolButton* nextButton() const { return m_next; }
    QToolButton* previousButton() const { return m_previous; }
    QLabel* statusLabel() const { return m_status; }

signals:
    void searchChanged(const pk::LogSearch& search);
    void nextRequested();
    void previousRequested();

private:
    void emitNow();

    QLineEdit* m_pattern;
    QCheckBox* m_regex;
    QCheckBox* m_case;
    QToolButton* m_previous;
    QToolButton* m_next;
    QLabel* m_status;
    QTimer m_delay;
    LogSearch m_emitted;
};

} // namespace pk
