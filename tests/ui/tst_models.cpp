// Every model of the console under QAbstractItemModelTester, through the updates the engine
// produces: rows appearing and going, values changing in place, progress, check boxes.

#include "models/alertmodel.h"
#include "models/jobmodel.h"
#include "models/pooltreemodel.h"
#include "models/rowtablemodel.h"
#include "models/scanmodel.h"
#include "models/storagetablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace pk;

namespace {

PoolStatus makePool(qint64 id, const QString& name, int storages, double percent)
{
    PoolStatus pool;
    pool.pool.id = id;
    pool.pool.name = name;
    for (int i = 0; i < storages; ++i) {
        StorageStatus storage;
        storage.usage.storage.id = id * 100 + i;
        storage.usage.storage.name = QStringLiteral("%1-s%2").arg(name).arg(i);
        storage.usage.capacityBytes = 1000;
        storage.usage.storage.usedBytes = static_cast<qint64>(percent * 10) + i;
        storage.users = i;
        pool.storages.append(storage);
    }
    return pool;
}

JobRecord makeJob(qint64 id, JobState state)
{
    JobRecord job;
    job.id = id;
    job.userName = QStringLiteral("user%1").arg(id);
    job.fromName = QStringLiteral("a");
    job.toName = QStringLiteral("b");
    job.state = state;
    job.bytesTotal = 1000;
    return job;
}

// A row of the base's tests: "3:c" is key 3 with content c.
struct Item
{
    qint64 key = 0;
    QString text;
    friend bool operator==(const Item&, const Item&) = default;
};

QList<Item> parseItems(const QString& spec)
{
    QList<Item> items;
    for (const QString& part : spec.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QStringList pair = part.split(QLatin1Char(':'));
        items.append({ pair.at(0).toLongLong(), pair.at(1) });
    }
    return items;
}

QString formatItems(const QList<Item>& items)
{
    QStringList parts;
    for (const Item& item : items)
        parts.append(QStringLiteral("%1:%2").arg(item.key).arg(item.text));
    return parts.join(QLatin1Char(' '));
}

class ItemModel : public RowTableModel<Item>
{
public:
    ItemModel()
        : RowTableModel(2, [](const Item& item) { return item.key; })
    { }
    QVariant data(const QModelIndex& index, int role) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::DisplayRole)
            return {};
        const Item& item = rowAt(index.row());
        return index.column() == 0 ? QVariant(item.key) : QVariant(item.text);
    }
};

} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private slots:
    // The base's update in place: which signals a change of the row list gives, and the result.
    void rowTableUpdate_data()
    {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("after");
        QTest::addColumn<int>("inserted"); // rowsInserted signals
        QTest::addColumn<int>("removed"); // rowsRemoved signals
        QTest::addColumn<int>("moved"); // rowsMoved signals
        QTest::addColumn<int>("changedRows"); // rows that dataChanged covers
        QTest::addColumn<int>("resets");

        QTest::newRow("unchanged") << "1:a 2:b 3:c"
                                   << "1:a 2:b 3:c" << 0 << 0 << 0 << 0 << 0;
        QTest::newRow("changed") << "1:a 2:b 3:c"
                                 << "1:a 2:x 3:y" << 0 << 0 << 0 << 2 << 0;
        QTest::newRow("added to empty") << ""
                                        << "1:a 2:b" << 1 << 0 << 0 << 0 << 0;
        QTest::newRow("added first and last") << "2:b"
                                              << "1:a 2:b 3:c" << 2 << 0 << 0 << 0 << 0;
        QTest::newRow("added in the middle") << "1:a 4:d"
                                             << "1:a 2:b 3:c 4:d" << 1 << 0 << 0 << 0 << 0;
        QTest::newRow("removed a run") << "1:a 2:b 3:c 4:d"
                                       << "1:a 4:d" << 0 << 1 << 0 << 0 << 0;
        QTest::newRow("removed two runs") << "1:a 2:b 3:c 4:d 5:e"
                                          << "2:b 4:d" << 0 << 3 << 0 << 0 << 0;
        QTest::newRow("removed all") << "1:a 2:b"
                                     << "" << 0 << 1 << 0 << 0 << 0;
        QTest::newRow("rotated") << "1:a 2:b 3:c"
                                 << "3:c 1:a 2:b" << 0 << 0 << 1 << 0 << 0;
        QTest::newRow("reversed") << "1:a 2:b 3:c"
                                  << "3:c 2:b 1:a" << 0 << 0 << 2 << 0 << 0;
        QTest::newRow("mixed") << "1:a 2:b 3:c"
                               << "4:d 3:x 1:a" << 1 << 1 << 1 << 1 << 0;
        QTest::newRow("duplicate keys") << "1:a 2:b"
                                        << "1:a 1:b" << 0 << 0 << 0 << 0 << 1;
    }

    void rowTableUpdate()
    {
        QFETCH(QString, before);
        QFETCH(QString, after);
        QFETCH(int, inserted);
        QFETCH(int, removed);
        QFETCH(int, moved);
        QFETCH(int, changedRows);
        QFETCH(int, resets);

        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows(parseItems(before));
        QCOMPARE(formatItems(model.rows()), before);
        // A row that stays keeps its persistent index (and so a view's selection).
        const QList<Item> next = parseItems(after);
        QPersistentModelIndex tracked;
        Item trackedItem;
        for (int row = 0; row < model.rowCount(); ++row) {
            if (next.contains(model.rowAt(row))) {
                tracked = model.index(row, 1);
                trackedItem = model.rowAt(row);
            }
        }

        QSignalSpy insertSpy(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removeSpy(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy moveSpy(&model, &QAbstractItemModel::rowsMoved);
        QSignalSpy changeSpy(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy resetSpy(&model, &QAbstractItemModel::modelReset);
        model.setRows(next);

        QCOMPARE(insertSpy.count(), inserted);
        QCOMPARE(removeSpy.count(), removed);
        QCOMPARE(moveSpy.count(), moved);
        QCOMPARE(resetSpy.count(), resets);
        int changed = 0;
        for (const QList<QVariant>& arguments : std::as_const(changeSpy)) {
            const auto topLeft = arguments.at(0).value<QModelIndex>();
            const auto bottomRight = arguments.at(1).value<QModelIndex>();
            QCOMPARE(topLeft.column(), 0);
            QCOMPARE(bottomRight.column(), model.columnCount() - 1);
            changed += bottomRight.row() - topLeft.row() + 1;
        }
        QCOMPARE(changed, changedRows);
        QCOMPARE(formatItems(model.rows()), after);
        QCOMPARE(model.rowCount(), int(next.size()));
        for (int row = 0; row < model.rowCount(); ++row)
            QCOMPARE(model.index(row, 1).data().toString(), next.at(row).text);
        if (tracked.isValid() && resets == 0) {
            QCOMPARE(model.rowAt(tracked.row()), trackedItem);
            QCOMPARE(tracked.data().toString(), trackedItem.text);
        }
    }

    void poolTree()
    {
        PoolTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPools({ makePool(1, QStringLiteral("p1"), 3, 50) });
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowCount(model.index(0, 0)), 3);
        QCOMPARE(model.index(1, 0, model.index(0, 0)).data().toString(), QStringLiteral("p1-s1"));
        QCOMPARE(
            model.index(1, 0, model.index(0, 0)).data(PoolTreeModel::PoolNameRole).toString(), QStringLiteral("p1"));
        QVERIFY(model.index(0, 0).data(PoolTreeModel::IsPoolRole).toBool());
        // Same shape: values change in place, no reset.
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        model.setPools({ makePool(1, QStringLiteral("p1"), 3, 90) });
        QCOMPARE(resets.count(), 0);
        QVERIFY(changes.count() >= 2);
        QCOMPARE(
            model.index(0, PoolTreeModel::UsedColumn, model.index(0, 0)).data().toString(), QStringLiteral("90.0 %"));
        // Storages come and go; pools too.
        model.setPools({ makePool(1, QStringLiteral("p1"), 4, 90), makePool(2, QStringLiteral("p2"), 0, 0) });
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(model.index(1, 0)), 0);
        QCOMPARE(model.indexOfPool(QStringLiteral("p2")).row(), 1);
        model.setPools({});
        QCOMPARE(model.rowCount(), 0);
    }

    void storageTable()
    {
        StorageTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPool(makePool(1, QStringLiteral("p"), 2, 10));
        QCOMPARE(model.rowCount(), 2);
        model.setPool(makePool(1, QStringLiteral("p"), 2, 20));
        QCOMPARE(model.index(0, StorageTableModel::PercentColumn).data().toString(), QStringLiteral("20.0 %"));
        model.setPool(makePool(1, QStringLiteral("p"), 5, 20));
        QCOMPARE(model.rowCount(), 5);
    }

    void jobs()
    {
        JobModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setJobs({ makeJob(2, JobState::Running), makeJob(1, JobState::Pending) });
        QCOMPARE(model.rowCount(), 2);
        JobProgress progress;
        progress.jobId = 2;
        progress.phase = JobPhase::Verifying;
        progress.bytesDone = 500;
        progress.bytesTotal = 1000;
        progress.bytesPerSecond = 100;
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        model.setProgress(progress);
        QCOMPARE(changes.count(), 1);
        QCOMPARE(model.index(0, JobModel::ProgressColumn).data(JobModel::ProgressRole).toInt(), 50);
        QCOMPARE(model.index(0, JobModel::PhaseColumn).data().toString(), QStringLiteral("Verifying"));
        QCOMPARE(model.index(0, JobModel::EtaColumn).data().toString(), QStringLiteral("5 s"));
        // Progress of a job not shown is kept and harmless.
        progress.jobId = 99;
        model.setProgress(progress);
        JobRecord failed = makeJob(2, JobState::Failed);
        failed.error = QStringLiteral("the copy failed the consistency check");
        model.setJobs({ failed, makeJob(1, JobState::Running) });
        QCOMPARE(model.index(0, JobModel::ErrorColumn).data().toString(), failed.error);
        QCOMPARE(model.index(0, JobModel::EtaColumn).data().toString(), QString());
        model.setJobs({ makeJob(3, JobState::Pending), failed, makeJob(1, JobState::Done) });
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(2, JobModel::ProgressColumn).data(JobModel::ProgressRole).toInt(), 100);
        QCOMPARE(model.rowOf(3), 0);
        model.setJobs({});
        QCOMPARE(model.rowCount(), 0);
    }

    void scanReview()
    {
        ScanModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ScanReport report;
        report.poolName = QStringLiteral("p");
        for (int i = 0; i < 4; ++i) {
            ScanEntry entry;
            entry.userId = i + 1;
            entry.userName = QStringLiteral("u%1").arg(i);
            entry.storageName = QStringLiteral("a");
            entry.bytes = qint64(1000) * (i + 1);
            entry.candidate = i != 3;
            entry.reason = i == 3 ? QStringLiteral("inconsistent: chunk x is missing") : QStringLiteral("consistent");
            report.entries.append(entry);
        }
        model.setScan(report);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(3, ScanModel::ConsistencyColumn).data().toString(), QStringLiteral("Inconsistent"));
        QCOMPARE(model.index(3, ScanModel::ReasonColumn).data().toString(),
            QStringLiteral("inconsistent: chunk x is missing"));
        PlanRecord plan;
        plan.id = 7;
        plan.moves.append({ 1, QStringLiteral("u0"), 1, QStringLiteral("a"), 2, QStringLiteral("b"), 1000, false });
        plan.moves.append({ 3, QStringLiteral("u2"), 1, QStringLiteral("a"), 3, QStringLiteral("c"), 3000, false });
        model.setPlan(plan);
        QCOMPARE(model.plannedCount(), 2);
        QCOMPARE(model.index(0, ScanModel::DestinationColumn).data().toString(), QStringLiteral("b"));
        QCOMPARE(model.checkedUsers(), (QStringList { QStringLiteral("u0"), QStringLiteral("u2") }));
        QVERIFY(model.flags(model.index(0, ScanModel::UserColumn)) & Qt::ItemIsUserCheckable);
        QVERIFY(!(model.flags(model.index(1, ScanModel::UserColumn)) & Qt::ItemIsUserCheckable));
        QVERIFY(model.setData(model.index(0, ScanModel::UserColumn), Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(model.checkedUsers(), QStringList { QStringLiteral("u2") });
        QVERIFY(!model.setData(model.index(1, ScanModel::UserColumn), Qt::Checked, Qt::CheckStateRole));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void alerts()
    {
        AlertModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        AlertRecord alert;
        alert.id = 1;
        alert.kind = alertKind::lowFreeSpace;
        alert.storageName = QStringLiteral("a");
        alert.message = QStringLiteral("Low Free Space Available on 'a'");
        model.setAlerts({ alert });
        QCOMPARE(model.index(0, AlertModel::KindColumn).data().toString(), QStringLiteral("Low Free Space Available"));
        QVERIFY(model.index(0, 0).data(Qt::FontRole).value<QFont>().bold());
        alert.acknowledgedMs = 5;
        model.setAlerts({ alert });
        QVERIFY(model.index(0, 0).data(AlertModel::AcknowledgedRole).toBool());
        AlertRecord second = alert;
        second.id = 2;
        model.setAlerts({ second, alert });
        QCOMPARE(model.rowCount(), 2);
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"
