#pragma once

// The log viewer's job timeline: one bar per job from its first to its last line, coloured by
// outcome, in as few lanes as the jobs' overlaps need. Clicking a bar (or Enter on the keyboard
// selection) asks to filter the log to that job.

#include "logs/jobtimeline.h"

#include <QWidget>

namespace pk {

class JobTimelineWidget : public QWidget
{
    Q_OBJECT
public:
    explicit JobTimelineWidget(QWidget* parent = nullptr);

    void setJobs(const QList<JobSpan>& jobs);
    const QList<JobSpan>& jobs() const { return m_jobs; }
    // The highlighted job (the log is filtered to it); 0 for none.
    void setSelectedJob(qint64 job);
    qint64 selectedJob() const { return m_selected; }
    // Where a job's bar is drawn, in widget coordinates; empty when it has none.
    QRect barRect(qint64 job) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    // A bar was clicked or chosen with the keyboard; 0 when the click missed every bar.
    void jobActivated(qint64 job);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    void layoutBars();
    int jobAt(const QPoint& point) const;
    QString toolTip(const JobSpan& span) const;

    QList<JobSpan> m_jobs;
    QList<int> m_lanes; // per job
    QList<QRect> m_bars; // per job
    int m_laneCount = 0;
    qint64 m_firstMs = 0;
    qint64 m_lastMs = 0;
    qint64 m_selected = 0;
};

} // namespace pk
