#pragma once

// Utilisation of every storage of a pool over time, from the capacity samples the engine keeps
// (downsampled in the engine to a few hundred points). Series are replaced, not rebuilt.

#include "engine/engine.h"

#include <QHash>
#include <QtCharts/QChartView>

class QLineSeries;
class QDateTimeAxis;
class QValueAxis;

namespace pk {

class HistoryChart : public QChartView
{
    Q_OBJECT
public:
    explicit HistoryChart(QWidget* parent = nullptr);

    void setHistory(const PoolHistory& history, double highPercent, double lowPercent);
    int pointCount(const QString& storage) const;

protected:
    void changeEvent(QEvent* event) override;

private:
    QChart* m_chart = nullptr;
    QDateTimeAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
    QLineSeries* m_high = nullptr;
    QLineSeries* m_low = nullptr;
    QHash<qint64, QLineSeries*> m_series;
};

} // namespace pk
