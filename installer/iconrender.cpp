// Renders the application's SVG icon to the PNG sizes of the hicolor theme at build time.
//   poolkeeper-iconrender SVG OUTDIR SIZE...

#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>

int main(int argc, char* argv[])
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: poolkeeper-iconrender SVG OUTDIR SIZE...\n");
        return 2;
    }
    QSvgRenderer renderer(args.at(1));
    if (!renderer.isValid()) {
        std::fprintf(stderr, "poolkeeper-iconrender: '%s' is not a valid SVG\n", qPrintable(args.at(1)));
        return 1;
    }
    for (const QString& sizeText : args.mid(3)) {
        const int size = sizeText.toInt();
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        renderer.render(&painter);
        painter.end();
        const QString path = QStringLiteral("%1/%2.png").arg(args.at(2)).arg(size);
        if (!image.save(path)) {
            std::fprintf(stderr, "poolkeeper-iconrender: cannot write '%s'\n", qPrintable(path));
            return 1;
        }
    }
    return 0;
}
