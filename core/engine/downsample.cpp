#include "downsample.h"

#include <cmath>

namespace pk {

QList<QPointF> downsample(const QList<QPointF>& points, int maxPoints)
{
    const qsizetype n = points.size();
    if (maxPoints < 3 || n <= maxPoints)
        return points;
    QList<QPointF> result;
    result.reserve(maxPoints);
    result.append(points.constFirst());
    const double bucket = static_cast<double>(n - 2) / static_cast<double>(maxPoints - 2);
    qsizetype previous = 0;
    for (int b = 0; b < maxPoints - 2; ++b) {
        const qsizetype start = static_cast<qsizetype>(std::floor(b * bucket)) + 1;
        const qsizetype end = qMin(n - 1, static_cast<qsizetype>(std::floor((b + 1) * bucket)) + 1);
        // The average of the next bucket is the third corner of the triangle.
        const qsizetype nextStart = end;
        const qsizetype nextEnd = qMin(n, static_cast<qsizetype>(std::floor((b + 2) * bucket)) + 1);
        double avgX = 0, avgY = 0;
        for (qsizetype i = nextStart; i < nextEnd; ++i) {
            avgX += points.at(i).x();
            avgY += points.at(i).y();
        }
        const double count = static_cast<double>(qMax<qsizetype>(1, nextEnd - nextStart));
        avgX /= count;
        avgY /= count;
        const QPointF& a = points.at(previous);
        double bestArea = -1;
        qsizetype best = start;
        for (qsizetype i = start; i < end; ++i) {
            const double area
                = std::abs((a.x() - avgX) * (points.at(i).y() - a.y()) - (a.x() - points.at(i).x()) * (avgY - a.y()));
            if (area > bestArea) {
                bestArea = area;
                best = i;
            }
        }
        result.append(points.at(best));
        previous = best;
    }
    result.append(points.constLast());
    return result;
}

} // namespace pk
