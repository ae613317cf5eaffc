#include "historychart.h"

#include "chartstyle.h"
#include "theme.h"

#include <QDateTime>
#include <QEvent>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

namespace pk {

HistoryChart::HistoryChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
{
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    chartstyle::apply(m_chart, palette());
    m_chart->setTitle(tr("Utilisation over time"));
    m_axisX = new QDateTimeAxis(m_chart);
    m_axisX->setFormat(QStringLiteral("HH:mm"));
    m_axisX->setTickCount(6);
    m_axisY = new QValueAxis(m_chart);
    m_axisY->setRange(0, 100);
    m_axisY->setLabelFormat(QStringLiteral("%d %"));
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    m_high = chartstyle::addWatermark(m_chart, tr("High"), theme::highWatermark(), 80);
    m_low = chartstyle::addWatermark(m_chart, tr("Low"), theme::lowWatermark(), 70);
    for (QLineSeries* line : { m_high, m_low }) {
        line->attachAxis(m_axisX);
        line->attachAxis(m_axisY);
    }
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    const QDateTime now = QDateTime::currentDateTime();
    m_axisX->setRange(now.addSecs(-3600), now); // the last hour until samples arrive
    setMinimumHeight(200);
}

void HistoryChart::setHistory(const PoolHistory& history, double highPercent, double lowPercent)
{
    auto minX = static_cast<double>(QDateTime::currentMSecsSinceEpoch() - 3'600'000);
    auto maxX = static_cast<double>(QDateTime::currentMSecsSinceEpoch());
    bool any = false;
    QSet<qint64> seen;
    int index = 0;
    for (const StorageHistory& storage : history.storages) {
        QLineSeries* series = m_series.value(storage.storageId);
        if (!series) {
            series = new QLineSeries(m_chart);
            series->setName(storage.storageName);
            QPen pen(theme::series(index));
            pen.setWidthF(2.0);
            series->setPen(pen);
            m_chart->addSeries(series);
            series->attachAxis(m_axisX);
            series->attachAxis(m_axisY);
            m_series.insert(storage.storageId, series);
        }
        ++index;
        seen.insert(storage.storageId);
        series->replace(storage.points); // one update, not one per point
        if (!storage.points.isEmpty()) {
            minX = any ? qMin(minX, storage.points.constFirst().x()) : storage.points.constFirst().x();
            maxX = any ? qMax(maxX, storage.points.constLast().x()) : storage.points.constLast().x();
            any = true;
        }
    }
    m_series.removeIf([&](QHash<qint64, QLineSeries*>::iterator it) {
        if (seen.contains(it.key()))
            return false;
        m_chart->removeSeries(it.value());
        delete it.value();
        return true;
    });
    // A short history starts at the left and grows to the right, as a live chart should.
    maxX = qMax(maxX, minX + 120000.0);
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(minX)),
        QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(maxX)));
    const double span = maxX - minX;
    m_axisX->setFormat(span > 2 * 24 * 3'600'000.0
            ? QStringLiteral("dd.MM.")
            : (span > 10 * 60'000.0 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss")));
    chartstyle::setWatermark(m_high, highPercent, minX, maxX);
    chartstyle::setWatermark(m_low, lowPercent, minX, maxX);
}

int HistoryChart::pointCount(const QString& storage) const
{
    for (QLineSeries* series : m_series) {
        if (series->name() == storage)
            return static_cast<int>(series->count());
    }
    return -1;
}

void HistoryChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        chartstyle::apply(m_chart, palette());
    QChartView::changeEvent(event);
}

} // namespace pk
