#include "capacitychart.h"

#include "balance/watermark.h"
#include "chartstyle.h"
#include "theme.h"
#include "util/sizes.h"

#include <QEvent>
#include <QToolTip>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>

namespace pk {

CapacityChart::CapacityChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
{
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    chartstyle::apply(m_chart, palette());
    m_chart->setTitle(tr("Capacity"));
    m_series = new QStackedBarSeries(m_chart);
    const QString names[SetCount]
        = { tr("Normal"), tr("Above high"), tr("Marked"), tr("Draining"), tr("Offline"), tr("Reserved by moves") };
    const QColor colours[SetCount] = { theme::normal(), theme::aboveHigh(), theme::marked(), theme::draining(),
        theme::offline(), theme::reserved() };
    for (int i = 0; i < SetCount; ++i) {
        m_sets[i] = new QBarSet(names[i], m_series);
        m_sets[i]->setColor(colours[i]);
        m_sets[i]->setBorderColor(colours[i].darker(130));
        m_series->append(m_sets[i]);
    }
    m_series->setBarWidth(0.6);
    m_chart->addSeries(m_series);
    m_high = chartstyle::addWatermark(m_chart, tr("High watermark"), theme::highWatermark(), 80);
    m_low = chartstyle::addWatermark(m_chart, tr("Low watermark"), theme::lowWatermark(), 70);

    m_axisX = new QBarCategoryAxis(m_chart);
    m_axisY = new QValueAxis(m_chart);
    m_axisY->setRange(0, 100);
    m_axisY->setLabelFormat(QStringLiteral("%d %"));
    m_axisY->setTickCount(6);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    for (QAbstractSeries* series : { static_cast<QAbstractSeries*>(m_series), static_cast<QAbstractSeries*>(m_high),
             static_cast<QAbstractSeries*>(m_low) }) {
        series->attachAxis(m_axisX);
        series->attachAxis(m_axisY);
    }
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    connect(m_series, &QStackedBarSeries::hovered, this, [this](bool status, int index, QBarSet* set) {
        if (!status || index < 0 || index >= m_categories.size()) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(),
            QStringLiteral("%1: %2 % %3")
                .arg(m_categories.at(index))
                .arg(set->at(index), 0, 'f', 1)
                .arg(set->label().toLower()),
            this);
    });
    setMinimumHeight(220);
}

void CapacityChart::rebuild(const QStringList& categories)
{
    // Only when storages come or go; values otherwise change in place.
    ++m_rebuilds;
    m_categories = categories;
    m_axisX->clear();
    m_axisX->append(categories);
    for (QBarSet* set : m_sets) {
        set->remove(0, set->count());
        set->append(QList<qreal>(categories.size(), 0.0));
    }
}

void CapacityChart::setPool(const PoolStatus& pool, const QHash<qint64, qint64>& reservedBytes)
{
    QStringList categories;
    for (const StorageStatus& storage : pool.storages)
        categories.append(storage.usage.storage.name);
    if (categories != m_categories)
        rebuild(categories);
    for (int i = 0; i < pool.storages.size(); ++i) {
        const StorageUsage& usage = pool.storages.at(i).usage;
        const double percent = usage.usedPercent();
        const StorageState state = usage.effectiveState();
        int target = Normal;
        switch (state) {
        case StorageState::Marked:
            target = Marked;
            break;
        case StorageState::Draining:
            target = Draining;
            break;
        case StorageState::Offline:
            target = Offline;
            break;
        case StorageState::Online:
            target = watermark::isAtOrAbove(usage.storage.usedBytes, usage.capacityBytes, pool.pool.highPercent)
                ? AboveHigh
                : Normal;
            break;
        }
        for (int s = 0; s < Reserved; ++s) {
            const double value = s == target ? percent : 0.0;
            if (m_sets[s]->at(i) != value)
                m_sets[s]->replace(i, value);
        }
        const qint64 reserved = reservedBytes.value(usage.storage.id);
        const double reservedPercent = usage.capacityBytes > 0
            ? 100.0 * static_cast<double>(reserved) / static_cast<double>(usage.capacityBytes)
            : 0.0;
        if (m_sets[Reserved]->at(i) != reservedPercent)
            m_sets[Reserved]->replace(i, reservedPercent);
    }
    // A legend entry for every state shown, none for states nobody is in: the series holds only
    // the sets in use (in their fixed stacking order). Changes only when a state appears or goes.
    QList<QBarSet*> wanted;
    for (int s = 0; s < SetCount; ++s) {
        bool used = s == Normal;
        for (int i = 0; i < m_sets[s]->count() && !used; ++i)
            used = m_sets[s]->at(i) > 0;
        if (used)
            wanted.append(m_sets[s]);
    }
    if (wanted != m_series->barSets()) {
        for (QBarSet* set : m_series->barSets())
            m_series->take(set);
        m_series->append(wanted);
    }
    const double right = static_cast<double>(qMax<qsizetype>(1, categories.size())) - 0.5;
    chartstyle::setWatermark(m_high, pool.pool.highPercent, -0.5, right);
    chartstyle::setWatermark(m_low, pool.pool.lowPercent, -0.5, right);
    m_high->setName(tr("High %1 %").arg(pool.pool.highPercent));
    m_low->setName(tr("Low %1 %").arg(pool.pool.lowPercent));
}

double CapacityChart::usedPercentShown(const QString& storage) const
{
    const int i = static_cast<int>(m_categories.indexOf(storage));
    if (i < 0)
        return -1;
    double total = 0;
    for (int s = 0; s < Reserved; ++s)
        total += m_sets[s]->at(i);
    return total;
}

double CapacityChart::reservedPercentShown(const QString& storage) const
{
    const int i = static_cast<int>(m_categories.indexOf(storage));
    return i < 0 ? -1 : m_sets[Reserved]->at(i);
}

QString CapacityChart::stateShown(const QString& storage) const
{
    const int i = static_cast<int>(m_categories.indexOf(storage));
    for (int s = 0; i >= 0 && s < Reserved; ++s) {
        if (m_sets[s]->at(i) > 0)
            return m_sets[s]->label();
    }
    return {};
}

void CapacityChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        chartstyle::apply(m_chart, palette());
        const QColor colours[SetCount] = { theme::normal(), theme::aboveHigh(), theme::marked(), theme::draining(),
            theme::offline(), theme::reserved() };
        for (int i = 0; i < SetCount; ++i)
            m_sets[i]->setColor(colours[i]);
    }
    QChartView::changeEvent(event);
}

} // namespace pk
