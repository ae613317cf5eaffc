#pragma once

// What the console's charts share: theme from the palette (light or dark) and the high and low
// watermark lines drawn across a bar chart.

#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>

namespace pk::chartstyle {

void apply(QChart* chart, const QPalette& palette);
// A horizontal line at value across count categories (or over [xMin, xMax] for time charts).
QLineSeries* addWatermark(QChart* chart, const QString& name, const QColor& colour, double value);
void setWatermark(QLineSeries* line, double value, double xMin, double xMax);

} // namespace pk::chartstyle
