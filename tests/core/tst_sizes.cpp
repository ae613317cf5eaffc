// Parsing of sizes, rates and percentages as operators type them.

#include "util/sizes.h"

#include <QTest>

using namespace pk;

class TestSizes : public QObject
{
    Q_OBJECT
private slots:
    void parseSize_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("plain") << "12345" << true << qint64(12345);
        QTest::newRow("zero") << "0" << true << qint64(0);
        QTest::newRow("kilo") << "4K" << true << qint64(4096);
        QTest::newRow("mega") << "512M" << true << qint64(512) * 1024 * 1024;
        QTest::newRow("giga lower") << "2g" << true << qint64(2) * 1024 * 1024 * 1024;
        QTest::newRow("tera fraction") << "1.5T" << true << qint64(3) * 512 * 1024 * 1024 * 1024;
        QTest::newRow("with iB") << "2GiB" << true << qint64(2) * 1024 * 1024 * 1024;
        QTest::newRow("with B") << "3MB" << true << qint64(3) * 1024 * 1024;
        QTest::newRow("spaces") << " 7 M " << true << qint64(7) * 1024 * 1024;
        QTest::newRow("empty") << "" << false << qint64(0);
        QTest::newRow("negative") << "-5M" << false << qint64(0);
        QTest::newRow("unit only") << "G" << false << qint64(0);
        QTest::newRow("unknown unit") << "5X" << false << qint64(0);
        QTest::newRow("fraction of bytes") << "1.5" << false << qint64(0);
        QTest::newRow("too large") << "99999999P" << false << qint64(0);
        QTest::newRow("garbage") << "lots" << false << qint64(0);
    }
    void parseSize()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qint64, bytes);
        const auto result = pk::parseSize(text);
        QCOMPARE(result.isOk(), ok);
        if (ok)
            QCOMPARE(result.value(), bytes);
        else
            QCOMPARE(result.error().code, ErrorCode::Usage);
    }

    void parseRate_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("mega") << "50M" << true << qint64(50) * 1024 * 1024;
        QTest::newRow("per second") << "1G/s" << true << qint64(1024) * 1024 * 1024;
        QTest::newRow("zero") << "0" << false << qint64(0);
        QTest::newRow("bad") << "fast" << false << qint64(0);
    }
    void parseRate()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qint64, bytes);
        const auto result = pk::parseRate(text);
        QCOMPARE(result.isOk(), ok);
        if (ok)
            QCOMPARE(result.value(), bytes);
    }

    void parsePercent_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<double>("value");
        QTest::newRow("80") << "80" << true << 80.0;
        QTest::newRow("fraction") << "72.5" << true << 72.5;
        QTest::newRow("percent sign") << "70%" << true << 70.0;
        QTest::newRow("zero") << "0" << true << 0.0;
        QTest::newRow("hundred") << "100" << true << 100.0;
        QTest::newRow("over") << "100.1" << false << 0.0;
        QTest::newRow("negative") << "-1" << false << 0.0;
        QTest::newRow("word") << "high" << false << 0.0;
        QTest::newRow("empty") << "" << false << 0.0;
    }
    void parsePercent()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(double, value);
        const auto result = pk::parsePercent(text);
        QCOMPARE(result.isOk(), ok);
        if (ok)
            QCOMPARE(result.value(), value);
        else
            QVERIFY(!result.message().isEmpty());
    }

    void formatBytes_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("bytes") << qint64(512) << "512 B";
        QTest::newRow("kib") << qint64(1536) << "1.50 KiB";
        QTest::newRow("gib") << qint64(3) * 1024 * 1024 * 1024 << "3.00 GiB";
        QTest::newRow("hundreds") << qint64(150) * 1024 * 1024 << "150 MiB";
    }
    void formatBytes()
    {
        QFETCH(qint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(pk::formatBytes(bytes), text);
    }
};

QTEST_GUILESS_MAIN(TestSizes)
#include "tst_sizes.moc"
