#include "projectionchart.h"

#include "chartstyle.h"
#include "theme.h"

#include <QEvent>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QValueAxis>

namespace pk {

ProjectionChart::ProjectionChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
{
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    chartstyle::apply(m_chart, palette());
    m_chart->setTitle(tr("Projected utilisation"));
    m_series = new QBarSeries(m_chart);
    m_before = new QBarSet(tr("Now"), m_series);
    m_after = new QBarSet(tr("After the plan"), m_series);
    m_before->setColor(theme::offline());
    m_after->setColor(theme::normal());
    m_series->append(m_before);
    m_series->append(m_after);
    m_series->setLabelsVisible(true);
    m_series->setLabelsFormat(QStringLiteral("@value %"));
    m_series->setLabelsPrecision(3);
    m_chart->addSeries(m_series);
    m_high = chartstyle::addWatermark(m_chart, tr("High"), theme::highWatermark(), 80);
    m_low = chartstyle::addWatermark(m_chart, tr("Low"), theme::lowWatermark(), 70);
    m_axisX = new QBarCategoryAxis(m_chart);
    auto* axisY = new QValueAxis(m_chart);
    axisY->setRange(0, 100);
    axisY->setLabelFormat(QStringLiteral("%d %"));
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(axisY, Qt::AlignLeft);
    for (QAbstractSeries* series : { static_cast<QAbstractSeries*>(m_series), static_cast<QAbstractSeries*>(m_high),
             static_cast<QAbstractSeries*>(m_low) }) {
        series->attachAxis(m_axisX);
        series->attachAxis(axisY);
    }
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    setMinimumHeight(200);
}

void ProjectionChart::setPlan(const PlanRecord& plan, double highPercent, double lowPercent)
{
    QStringList categories;
    for (const ProjectedUsage& usage : plan.projected)
        categories.append(usage.storageName);
    if (categories != m_categories) {
        m_categories = categories;
        m_axisX->clear();
        m_axisX->append(categories);
        m_before->remove(0, m_before->count());
        m_after->remove(0, m_after->count());
        m_before->append(QList<qreal>(categories.size(), 0.0));
        m_after->append(QList<qreal>(categories.size(), 0.0));
    }
    for (int i = 0; i < plan.projected.size(); ++i) {
        m_before->replace(i, std::round(plan.projected.at(i).percentBefore() * 10) / 10);
        m_after->replace(i, std::round(plan.projected.at(i).percentAfter() * 10) / 10);
    }
    const double right = static_cast<double>(qMax<qsizetype>(1, categories.size())) - 0.5;
    chartstyle::setWatermark(m_high, highPercent, -0.5, right);
    chartstyle::setWatermark(m_low, lowPercent, -0.5, right);
}

double ProjectionChart::afterShown(const QString& storage) const
{
    const int i = static_cast<int>(m_categories.indexOf(storage));
    return i < 0 ? -1 : m_after->at(i);
}

void ProjectionChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        chartstyle::apply(m_chart, palette());
    QChartView::changeEvent(event);
}

} // namespace pk
