#pragma once

// The scan review's chart: every storage's utilisation before and after the proposed plan,
// against the watermarks.

#include "configdb/enginerecords.h"

#include <QtCharts/QChartView>

class QBarSet;
class QBarSeries;
class QBarCategoryAxis;
class QLineSeries;

namespace pk {

class ProjectionChart : public QChartView
{
    Q_OBJECT
public:
    explicit ProjectionChart(QWidget* parent = nullptr);

    void setPlan(const PlanRecord& plan, double highPercent, double lowPercent);
    double afterShown(const QString& storage) const;

protected:
    void changeEvent(QEvent* event) override;

private:
    QChart* m_chart = nullptr;
    QBarSeries* m_series = nullptr;
    QBarSet* m_before = nullptr;
    QBarSet* m_after = nullptr;
    QBarCategoryAxis* m_axisX = nullptr;
    QLineSeries* m_high = nullptr;
    QLineSeries* m_low = nullptr;
    QStringList m_categories;
};

} // namespace pk
