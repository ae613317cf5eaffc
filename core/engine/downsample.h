#pragma once

// Reduces a time series to at most maxPoints for a chart, keeping its visual shape (largest
// triangle three buckets); done in the engine's thread so the console only draws.

#include <QList>
#include <QPointF>

namespace pk {

QList<QPointF> downsample(const QList<QPointF>& points, int maxPoints);

} // namespace pk
