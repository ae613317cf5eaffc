#pragma once

// The pool's capacity chart: one bar per storage (used %), coloured by state (normal, above high,
// marked, draining, offline), the bytes reserved by moves in flight stacked on the destination
// bars, and the low and high watermarks as lines. Updates replace values in place.

#include "master/poolstatus.h"

#include <QHash>
#include <QtCharts/QChartView>

class QBarSet;
class QStackedBarSeries;
class QBarCategoryAxis;
class QValueAxis;
class QLineSeries;

namespace pk {

struct JobRecord;

class CapacityChart : public QChartView
{
    Q_OBJECT
public:
    explicit CapacityChart(QWidget* parent = nullptr);

    // reservedBytes: per storage id, what moves in flight still hold there.
    void setPool(const PoolStatus& pool, const QHash<qint64, qint64>& reservedBytes);

    // For tests and screenshots: the used % a storage's bar shows, and the state set it is in.
    double usedPercentShown(const QString& storage) const;
    double reservedPercentShown(const QString& storage) const;
    QString stateShown(const QString& storage) const;
    int rebuildCount() const { return m_rebuilds; }

protected:
    void changeEvent(QEvent* event) override;

private:
    enum SetIndex { Normal, AboveHigh, Marked, Draining, Offline, Reserved, SetCount };
    void rebuild(const QStringList& categories);

    QChart* m_chart = nullptr;
    QStackedBarSeries* m_series = nullptr;
    QBarSet* m_sets[SetCount] = {};
    QBarCategoryAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
    QLineSeries* m_high = nullptr;
    QLineSeries* m_low = nullptr;
    QStringList m_categories;
    int m_rebuilds = 0;
};

} // namespace pk
