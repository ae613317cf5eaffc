#include "jobtimelinewidget.h"

#include "theme.h"

#include <QDateTime>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace pk {

namespace {

constexpr int laneHeight = 18;
constexpr int laneGap = 3;
constexpr int axisHeight = 18;
constexpr int margin = 6;
constexpr int maxLanes = 12; // more overlapping jobs share the last lane
constexpr int minBarWidth = 4;

QString timeText(qint64 ms, bool withDate, bool withMs = false)
{
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    QString format = withDate ? QStringLiteral("yyyy-MM-dd HH:mm:ss") : QStringLiteral("HH:mm:ss");
    if (withMs)
        format += QStringLiteral(".zzz");
    return time.toString(format);
}

} // namespace

JobTimelineWidget::JobTimelineWidget(QWidget* parent)
    : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAccessibleName(tr("Job timeline"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void JobTimelineWidget::setJobs(const QList<JobSpan>& jobs)
{
    m_jobs = jobs;
    const int lanesBefore = m_laneCount;
    layoutBars();
    if (lanesBefore != m_laneCount)
        updateGeometry();
    update();
}

void JobTimelineWidget::setSelectedJob(qint64 job)
{
    if (m_selected == job)
        return;
    m_selected = job;
    update();
}

QRect JobTimelineWidget::barRect(qint64 job) const
{
    for (qsizetype i = 0; i < m_jobs.size(); ++i) {
        if (m_jobs.at(i).job == job)
            return m_bars.at(i);
    }
    return {};
}

QSize JobTimelineWidget::sizeHint() const
{
    const int lanes = qMax(1, m_laneCount);
    return { 600, margin + axisHeight + lanes * (laneHeight + laneGap) + margin };
}

QSize JobTimelineWidget::minimumSizeHint() const
{
    return { 200, sizeHint().height() };
}

void JobTimelineWidget::layoutBars()
{
    m_lanes.clear();
    m_bars.clear();
    m_laneCount = 0;
    if (m_jobs.isEmpty())
        return;
    m_firstMs = m_jobs.constFirst().firstMs;
    m_lastMs = m_firstMs;
    for (const JobSpan& span : std::as_const(m_jobs)) {
        m_firstMs = qMin(m_firstMs, span.firstMs);
        m_lastMs = qMax(m_lastMs, span.lastMs);
    }
    const qint64 range = qMax<qint64>(1, m_lastMs - m_firstMs);
    const int left = margin;
    const int width = qMax(1, this->width() - 2 * margin);
    // Interval partitioning on pixels: a bar goes to the first lane whose last bar ended left of it.
    QList<int> laneEnds;
    for (const JobSpan& span : std::as_const(m_jobs)) {
        const int x0 = left + int(double(span.firstMs - m_firstMs) * width / double(range));
        const int x1 = qMax(x0 + minBarWidth, left + int(double(span.lastMs - m_firstMs) * width / double(range)));
        int lane = 0;
        while (lane < laneEnds.size() && laneEnds.at(lane) >= x0 && lane < maxLanes - 1)
            ++lane;
        if (lane == laneEnds.size())
            laneEnds.append(x1);
        else
            laneEnds[lane] = qMax(laneEnds.at(lane), x1);
        m_lanes.append(lane);
        const int y = margin + axisHeight + lane * (laneHeight + laneGap);
        m_bars.append(QRect(x0, y, x1 - x0, laneHeight));
    }
    m_laneCount = int(laneEnds.size());
}

int JobTimelineWidget::jobAt(const QPoint& point) const
{
    // The last drawn bar is on top.
    for (qsizetype i = m_bars.size() - 1; i >= 0; --i) {
        if (m_bars.at(i).adjusted(-1, 0, 1, 0).contains(point))
            return int(i);
    }
    return -1;
}

QString JobTimelineWidget::toolTip(const JobSpan& span) const
{
    QString text = tr("<b>Job %1</b>: %2 from %3 to %4<br>%5, %6 – %7 (%8 s)<br>%9 lines, %10 warnings, %11 errors")
                       .arg(span.job)
                       .arg(span.user.toHtmlEscaped(), span.src.toHtmlEscaped(), span.dst.toHtmlEscaped(),
                           toString(span.outcome), timeText(span.firstMs, true), timeText(span.lastMs, false))
                       .arg(double(span.durationMs()) / 1000.0, 0, 'f', 1)
                       .arg(span.lines)
                       .arg(span.warnings)
                       .arg(span.errors);
    if (!span.outcomeMessage.isEmpty())
        text += QStringLiteral("<br>") + span.outcomeMessage.toHtmlEscaped();
    return text;
}

void JobTimelineWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    const QColor text = palette().color(QPalette::Text);
    if (m_jobs.isEmpty()) {
        painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        painter.drawText(rect(), Qt::AlignCenter, tr("No migration jobs in this log yet"));
        return;
    }
    // The axis: first and last time, and the span between.
    painter.setPen(text);
    const QRect axis(margin, margin, width() - 2 * margin, axisHeight);
    // Short spans (a demo, a quick retry) need milliseconds to tell the ends apart.
    const bool shortSpan = m_lastMs - m_firstMs < 60'000;
    painter.drawText(axis, Qt::AlignLeft | Qt::AlignVCenter, timeText(m_firstMs, true, shortSpan));
    painter.drawText(axis, Qt::AlignRight | Qt::AlignVCenter, timeText(m_lastMs, true, shortSpan));
    painter.drawText(axis, Qt::AlignHCenter | Qt::AlignVCenter,
        tr("%n jobs", nullptr, int(m_jobs.size())) + QStringLiteral(" · ") + tr("click a bar to see its lines"));

    const QFontMetrics metrics(font());
    // A log of a busy year holds a hundred thousand jobs: a bar hidden under the previous one of its
    // lane in the same colour is not drawn again.
    QList<int> paintedTo(m_laneCount, -1);
    QList<QRgb> paintedColour(m_laneCount, 0);
    for (qsizetype i = 0; i < m_jobs.size(); ++i) {
        const JobSpan& span = m_jobs.at(i);
        const QRect bar = m_bars.at(i);
        QColor colour = theme::jobOutcome(span.outcome);
        if (m_selected != 0 && span.job != m_selected)
            colour.setAlpha(110);
        const int lane = m_lanes.at(i);
        if (span.job != m_selected && bar.right() <= paintedTo.at(lane) && colour.rgba() == paintedColour.at(lane))
            continue;
        paintedTo[lane] = qMax(paintedTo.at(lane), bar.right());
        paintedColour[lane] = colour.rgba();
        painter.fillRect(bar, colour);
        if (span.job == m_selected) {
            painter.setPen(QPen(text, 2));
            painter.drawRect(bar.adjusted(1, 1, -1, -1));
        }
        // Measuring text is the dear part: only bars wide enough for a few characters try.
        if (bar.width() < 4 * metrics.averageCharWidth())
            continue;
        const QString label = QStringLiteral("#%1 %2").arg(span.job).arg(span.user);
        if (metrics.horizontalAdvance(label) + 6 <= bar.width()) {
            painter.setPen(Qt::white);
            painter.drawText(bar.adjusted(3, 0, -3, 0), Qt::AlignLeft | Qt::AlignVCenter, label);
        }
    }
    if (hasFocus() && m_selected == 0) {
        painter.setPen(QPen(palette().color(QPalette::Highlight), 1, Qt::DotLine));
        painter.drawRect(rect().adjusted(1, 1, -2, -2));
    }
}

void JobTimelineWidget::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    const int index = jobAt(event->position().toPoint());
    emit jobActivated(index >= 0 ? m_jobs.at(index).job : 0);
}

void JobTimelineWidget::keyPressEvent(QKeyEvent* event)
{
    if (m_jobs.isEmpty())
        return QWidget::keyPressEvent(event);
    qsizetype current = -1;
    for (qsizetype i = 0; i < m_jobs.size(); ++i) {
        if (m_jobs.at(i).job == m_selected)
            current = i;
    }
    switch (event->key()) {
    case Qt::Key_Left:
    case Qt::Key_Up:
        emit jobActivated(m_jobs.at(qMax<qsizetype>(0, current - 1)).job);
        return;
    case Qt::Key_Right:
    case Qt::Key_Down:
        emit jobActivated(m_jobs.at(qMin(m_jobs.size() - 1, current + 1)).job);
        return;
    case Qt::Key_Escape:
        if (m_selected != 0) {
            emit jobActivated(0);
            return;
        }
        break;
    default:
        break;
    }
    QWidget::keyPressEvent(event);
}

void JobTimelineWidget::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layoutBars();
}

bool JobTimelineWidget::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int index = jobAt(help->pos());
        if (index >= 0)
            QToolTip::showText(help->globalPos(), toolTip(m_jobs.at(index)), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace pk
