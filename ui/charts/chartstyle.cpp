#include "chartstyle.h"

#include "theme.h"

#include <QPen>

namespace pk::chartstyle {

void apply(QChart* chart, const QPalette& palette)
{
    chart->setTheme(theme::isDark(palette) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setTitleBrush(palette.color(QPalette::Text));
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setAnimationOptions(QChart::NoAnimation); // live data: animations would lag behind
}

QLineSeries* addWatermark(QChart* chart, const QString& name, const QColor& colour, double value)
{
    auto* line = new QLineSeries(chart);
    line->setName(name);
    QPen pen(colour);
    pen.setWidthF(2.0);
    pen.setStyle(Qt::DashLine);
    line->setPen(pen);
    line->append(0, value);
    line->append(1, value);
    chart->addSeries(line);
    return line;
}

void setWatermark(QLineSeries* line, double value, double xMin, double xMax)
{
    line->replace({ QPointF(xMin, value), QPointF(xMax, value) });
}

} // namespace pk::chartstyle
