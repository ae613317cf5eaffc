#pragma once

// The log viewer's filter row: minimum level, job, user, storage and time range. Edits are
// collected for a moment before filterChanged, so typing a user name starts one pass, not ten.

#include "logs/logfilter.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLineEdit;
class QToolButton;

namespace pk {

class LogFilterBar : public QWidget
{
    Q_OBJECT
public:
    explicit LogFilterBar(const QStringList& storages, QWidget* parent = nullptr);

    LogFilter filter() const;
    // Sets the job field (0 clears it) and emits filterChanged at once.
    void setJob(qint64 job);
    qint64 job() const;
    void clear();
    // How often a relative range ("last hour") moves on with the clock; 60 s by default.
    void setSlideInterval(int ms) { m_slide.setInterval(ms); }

    QComboBox* levelBox() const { return m_level; }
    QLineEdit* jobEdit() const { return m_job; }
    QLineEdit* userEdit() const { return m_user; }
    QComboBox* storageBox() const { return m_storage; }
    QComboBox* timeBox() const { return m_time; }

signals:
    void filterChanged(const pk::LogFilter& filter);

private:
    void changedSoon();
    void emitNow();
    void updateTimeRange();

    QComboBox* m_level;
    QLineEdit* m_job;
    QLineEdit* m_user;
    QComboBox* m_storage;
    QComboBox* m_time;
    QDateTimeEdit* m_from;
    QDateTimeEdit* m_to;
    QToolButton* m_clear;
    QTimer m_delay;
    QTimer m_slide;
    LogFilter m_emitted;
};

} // namespace pk
