// Placement and the 80/70 rule as pure functions over measured storages.

#include "balance/balancedetector.h"
#include "storage/placement.h"

#include <QTest>

using namespace pk;

namespace {

// "name:percent:state" items, 100000 bytes of capacity each.
QList<StorageUsage> storages(const QStringList& specs)
{
    QList<StorageUsage> list;
    qint64 id = 1;
    for (const QString& spec : specs) {
        const QStringList parts = spec.split(u':');
        StorageUsage usage;
        usage.storage.id = id++;
        usage.storage.name = parts.at(0);
        usage.capacityBytes = 100000;
        usage.freeOnFilesystem = 1 << 30;
        usage.storage.usedBytes = static_cast<qint64>(parts.at(1).toDouble() * 1000);
        const QString state = parts.value(2, QStringLiteral("online"));
        if (state == QLatin1String("unreachable"))
            usage.reachable = false;
        else
            usage.storage.state = *storageStateFromString(state);
        list.append(usage);
    }
    return list;
}

} // namespace

class TestPlacement : public QObject
{
    Q_OBJECT
private slots:
    void newUser_data()
    {
        QTest::addColumn<QStringList>("specs");
        QTest::addColumn<QString>("expected"); // storage name, or "error"
        QTest::newRow("lowest wins") << QStringList { "a:50", "b:20", "c:30" } << "b";
        QTest::newRow("tie goes to first") << QStringList { "a:20", "b:20" } << "a";
        QTest::newRow("marked skipped") << QStringList { "a:50", "b:10:marked" } << "a";
        QTest::newRow("draining skipped") << QStringList { "a:50", "b:10:draining" } << "a";
        QTest::newRow("offline skipped") << QStringList { "a:50", "b:10:offline" } << "a";
        QTest::newRow("unreachable skipped") << QStringList { "a:50", "b:10:unreachable" } << "a";
        QTest::newRow("full but online still takes") << QStringList { "a:95" } << "a";
        QTest::newRow("none online") << QStringList { "a:50:marked", "b:10:offline" } << "error";
        QTest::newRow("empty pool") << QStringList {} << "error";
    }
    void newUser()
    {
        QFETCH(QStringList, specs);
        QFETCH(QString, expected);
        auto chosen = Placement::chooseForNewUser(storages(specs), QStringLiteral("pool"));
        if (expected == QLatin1String("error")) {
            QVERIFY(!chosen);
            QVERIFY(chosen.message().contains(QLatin1String("pool 'pool'")));
        } else {
            QVERIFY2(chosen, qPrintable(chosen.message()));
            QCOMPARE(chosen->storage.name, expected);
        }
    }

    void detection_data()
    {
        QTest::addColumn<QStringList>("specs");
        QTest::addColumn<bool>("unbalanced");
        QTest::newRow("79.9 vs 70") << QStringList { "a:79.9", "b:70" } << false;
        QTest::newRow("80 vs 70") << QStringList { "a:80", "b:70" } << true;
        QTest::newRow("80.1 vs 70") << QStringList { "a:80.1", "b:70" } << true;
        QTest::newRow("80 vs 70.1") << QStringList { "a:80", "b:70.1" } << false;
        QTest::newRow("80.1 vs 70.1") << QStringList { "a:80.1", "b:70.1" } << false;
        QTest::newRow("79.9 vs 10") << QStringList { "a:79.9", "b:10" } << false;
        QTest::newRow("full but free one offline") << QStringList { "a:90", "b:10:offline" } << false;
        QTest::newRow("full but free one marked") << QStringList { "a:90", "b:10:marked" } << false;
        QTest::newRow("marked full one still counts") << QStringList { "a:90:marked", "b:10" } << true;
        QTest::newRow("all full") << QStringList { "a:90", "b:85" } << false;
        QTest::newRow("single storage") << QStringList { "a:99" } << false;
    }
    void detection()
    {
        QFETCH(QStringList, specs);
        QFETCH(bool, unbalanced);
        QCOMPARE(BalanceDetector::detect(storages(specs), 80.0, 70.0).unbalanced, unbalanced);
    }

    void exactPercentFromBytes()
    {
        // 800 of 1000 bytes is 80 % even though 0.8 has no exact binary form.
        StorageUsage full;
        full.storage.id = 1;
        full.capacityBytes = 1000;
        full.storage.usedBytes = 800;
        StorageUsage freeOne;
        freeOne.storage.id = 2;
        freeOne.capacityBytes = 3;
        freeOne.storage.usedBytes = 2; // 66.67 %
        QVERIFY(BalanceDetector::detect({ full, freeOne }, 80.0, 70.0).unbalanced);
    }
};

QTEST_GUILESS_MAIN(TestPlacement)
#include "tst_placement.moc"
