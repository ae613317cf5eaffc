// The log viewer as an administrator uses it, offscreen: two storages' logs (with rotations)
// merged by time; clicking a job's bar filters to its lines; levels and a user filter; search
// with a match count, Enter and F3; a bad expression; follow; a damaged rotation.

#include "../logs/logtestutil.h"
#include "guistallmeter.h"
#include "logs/logdocument.h"
#include "logs/logfmt.h"
#include "logs/logquery.h"
#include "logs/logtablemodel.h"
#include "logviewer/jobtimelinewidget.h"
#include "logviewer/logfilterbar.h"
#include "logviewer/logsearchbar.h"
#include "logviewer/logviewerwindow.h"
#include "util/sizes.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace pk;
using namespace pk::test;

namespace {

constexpr int jobs = 6;
constexpr int linesPerJob = 40;

// Job j runs from line j*10 for linesPerJob lines, so jobs overlap; its lines alternate between
// the source's log and the destination's. Every 9th line of a job is a warning, its last an error
// for odd jobs. Returns how many lines each job has.
QHash<qint64, int> writeLogs(const QString& a, const QString& b)
{
    MigrationLog::Options options;
    options.rotateBytes = 6 * KiB; // a few rotations, compressed ones included
    MigrationLog logA(a, options);
    MigrationLog logB(b, options);
    QHash<qint64, int> counts;
    QList<std::pair<qint64, LogRecord>> all;
    for (int job = 1; job <= jobs; ++job) {
        for (int i = 0; i < linesPerJob; ++i) {
            const qint64 time = baseTimeMs + qint64((job - 1) * 10 + i) * 1000 + job;
            LogLevel level = i % 9 == 8 ? LogLevel::Warn : LogLevel::Info;
            if (job % 2 == 1 && i == linesPerJob - 1)
                level = LogLevel::Error;
            LogRecord record = engineRecord(time, level, job, QStringLiteral("user-%1").arg(job),
                i == linesPerJob - 1 ? QStringLiteral("summary") : QStringLiteral("progress"),
                i == linesPerJob - 1 ? (
                    job % 2 ? QStringLiteral("failed: verify mismatch") : QStringLiteral("moved user user-%1").arg(job))
                                     : QStringLiteral("copied chunk %1 of job %2").arg(i).arg(job));
            all.append({ time, record });
            ++counts[job];
        }
    }
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (qsizetype i = 0; i < all.size(); ++i)
        (void)(i % 2 ? logB : logA).append(all.at(i).second);
    return counts;
}

QString cell(const LogTableModel* model, int row, int column)
{
    return model->index(row, column).data().toString();
}

} // namespace

class TestLogViewer : public QObject
{
    Q_OBJECT
private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_a = m_dir->filePath(QStringLiteral("a"));
        m_b = m_dir->filePath(QStringLiteral("b"));
        QDir().mkpath(m_a);
        QDir().mkpath(m_b);
        m_counts = writeLogs(m_a, m_b);
        QVERIFY(MigrationLog::files(m_a).size() > 2);
    }

    void clickingAJobBarFiltersToItsLines()
    {
        LogViewerWindow window({ { QStringLiteral("a"), m_a }, { QStringLiteral("b"), m_b } }, QStringLiteral("pool"));
        QAbstractItemModelTester tester(window.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob, 20000);
        // Merged by time: the time column never goes back.
        for (int row = 1; row < window.model()->rowCount(); ++row)
            QVERIFY(cell(window.model(), row - 1, LogTableModel::TimeColumn)
                <= cell(window.model(), row, LogTableModel::TimeColumn));
        QTRY_COMPARE_WITH_TIMEOUT(window.timeline()->jobs().size(), qsizetype(jobs), 20000);

        const QRect bar = window.timeline()->barRect(3);
        QVERIFY(!bar.isEmpty());
        QTest::mouseClick(window.timeline(), Qt::LeftButton, {}, bar.center());
        QCOMPARE(window.filterBar()->jobEdit()->text(), QStringLiteral("3"));
        QCOMPARE(window.timeline()->selectedJob(), 3);
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), m_counts.value(3), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.query()->isRunning(), 20000);
        QCOMPARE(window.model()->rowCount(), m_counts.value(3));
        for (int row = 0; row < window.model()->rowCount(); ++row) {
            QCOMPARE(cell(window.model(), row, LogTableModel::JobColumn), QStringLiteral("3"));
            QCOMPARE(cell(window.model(), row, LogTableModel::UserColumn), QStringLiteral("user-3"));
        }
        QCOMPARE(cell(window.model(), window.model()->rowCount() - 1, LogTableModel::MessageColumn).left(7),
            QStringLiteral("failed:"));
        // Both storages wrote the job's lines.
        QSet<QString> storages;
        for (int row = 0; row < window.model()->rowCount(); ++row)
            storages.insert(cell(window.model(), row, LogTableModel::StorageColumn));
        QCOMPARE(storages, (QSet<QString> { QStringLiteral("a"), QStringLiteral("b") }));

        // The same bar again: every line is back.
        QTest::mouseClick(window.timeline(), Qt::LeftButton, {}, window.timeline()->barRect(3).center());
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob, 20000);
        QCOMPARE(window.filterBar()->jobEdit()->text(), QString());
    }

    void timelineColoursOutcomesAndKeyboard()
    {
        LogViewerWindow window({ { QStringLiteral("a"), m_a }, { QStringLiteral("b"), m_b } }, QStringLiteral("pool"));
        window.show();
        // A timeline of a partly indexed log may name every job before their last lines (the
        // outcomes) are read: wait for the outcomes themselves.
        auto outcomes = [&] {
            QStringList list;
            for (const JobSpan& span : window.timeline()->jobs())
                list.append(QString::number(span.job) + u'=' + toString(span.outcome));
            list.sort();
            return list;
        };
        QStringList expected;
        for (int job = 1; job <= jobs; ++job)
            expected.append(
                QString::number(job) + u'=' + toString(job % 2 ? LogJobOutcome::Failed : LogJobOutcome::Done));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(), expected, 20000);
        // Keyboard: focus the timeline, Right selects the first job, again the second.
        window.timeline()->setFocus();
        QTest::keyClick(window.timeline(), Qt::Key_Right);
        QCOMPARE(window.timeline()->selectedJob(), 1);
        QTest::keyClick(window.timeline(), Qt::Key_Right);
        QCOMPARE(window.timeline()->selectedJob(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), m_counts.value(2), 20000);
        QTest::keyClick(window.timeline(), Qt::Key_Escape);
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob, 20000);
    }

    void levelAndUserFilters()
    {
        LogViewerWindow window({ { QStringLiteral("a"), m_a }, { QStringLiteral("b"), m_b } }, QStringLiteral("pool"));
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob, 20000);
        QComboBox* level = window.filterBar()->levelBox();
        level->setCurrentIndex(level->findData(int(LogLevel::Error)));
        // Odd jobs end with an error.
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs / 2, 20000);
        for (int row = 0; row < window.model()->rowCount(); ++row)
            QCOMPARE(cell(window.model(), row, LogTableModel::LevelColumn), QStringLiteral("error"));

        level->setCurrentIndex(level->findData(int(LogLevel::Warn)));
        QTest::keyClicks(window.filterBar()->userEdit(), QStringLiteral("user-4"));
        QTest::keyClick(window.filterBar()->userEdit(), Qt::Key_Return);
        const int warnings = linesPerJob / 9;
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), warnings, 20000);
        for (int row = 0; row < window.model()->rowCount(); ++row) {
            QCOMPARE(cell(window.model(), row, LogTableModel::UserColumn), QStringLiteral("user-4"));
            QCOMPARE(cell(window.model(), row, LogTableModel::LevelColumn), QStringLiteral("warn"));
        }

        // One storage only.
        QTest::mouseClick(findChildButton(window, QStringLiteral("Clear filters")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob, 20000);
        window.filterBar()->storageBox()->setCurrentText(QStringLiteral("b"));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob / 2, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.query()->isRunning(), 20000);
        for (int row = 0; row < window.model()->rowCount(); ++row)
            QCOMPARE(cell(window.model(), row, LogTableModel::StorageColumn), QStringLiteral("b"));
    }

    void searchCountsAndMovesBetweenMatches()
    {
        LogViewerWindow window({ { QStringLiteral("a"), m_a }, { QStringLiteral("b"), m_b } }, QStringLiteral("pool"));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), jobs * linesPerJob, 20000);
        window.setFollowing(false);
        LogSearchBar* search = window.searchBar();
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(search->patternEdit()->hasFocus());
        QTest::keyClicks(search->patternEdit(), QStringLiteral("CHUNK 7 OF"));
        // Case-insensitive by default: "copied chunk 7 of job N" in each job.
        QTRY_COMPARE_WITH_TIMEOUT(window.query()->matchCount(), qint64(jobs), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(search->statusLabel()->text(), QStringLiteral("6 matching lines"), 20000);
        QCOMPARE(window.model()->rowCount(), jobs * linesPerJob); // search does not filter

        QTest::keyClick(search->patternEdit(), Qt::Key_Return);
        const int first = window.table()->currentIndex().row();
        QVERIFY(first >= 0);
        QVERIFY(cell(window.model(), first, LogTableModel::MessageColumn)
                    .startsWith(QStringLiteral("copied chunk 7 of job 1")));
        QVERIFY(window.model()->index(first, 0).data(LogTableModel::MatchRole).toBool());
        QTRY_COMPARE(search->statusLabel()->text(), QStringLiteral("1 of 6 matching lines"));
        QTest::keyClick(&window, Qt::Key_F3);
        const int second = window.table()->currentIndex().row();
        QVERIFY(second > first);
        QVERIFY(cell(window.model(), second, LogTableModel::MessageColumn)
                    .startsWith(QStringLiteral("copied chunk 7 of job 2")));
        QTest::keyClick(&window, Qt::Key_F3, Qt::ShiftModifier);
        QCOMPARE(window.table()->currentIndex().row(), first);
        QTest::keyClick(&window, Qt::Key_F3, Qt::ShiftModifier); // wraps to the last
        QVERIFY(cell(window.model(), window.table()->currentIndex().row(), LogTableModel::MessageColumn)
                    .startsWith(QStringLiteral("copied chunk 7 of job 6")));

        // Matching case: nothing has "CHUNK".
        QTest::mouseClick(search->caseBox(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(search->statusLabel()->text(), QStringLiteral("No matching lines"), 20000);

        // A regular expression, then a broken one: an error, and the last good search stays.
        QTest::mouseClick(search->caseBox(), Qt::LeftButton);
        search->patternEdit()->clear();
        QTest::mouseClick(search->regexBox(), Qt::LeftButton);
        QTest::keyClicks(search->patternEdit(), QStringLiteral("chunk \\d+ of job [24]\\b"));
        QTRY_COMPARE_WITH_TIMEOUT(window.query()->matchCount(), qint64(2 * (linesPerJob - 1)), 20000);
        QTest::keyClicks(search->patternEdit(), QStringLiteral("("));
        QTRY_VERIFY_WITH_TIMEOUT(search->statusLabel()->text().contains(QStringLiteral("regular expression")), 20000);
        QCOMPARE(window.query()->matchCount(), qint64(2 * (linesPerJob - 1)));
    }

    void relativeRangeMovesWithTheClock()
    {
        const QString root = m_dir->filePath(QStringLiteral("recent"));
        QDir().mkpath(root);
        MigrationLog log(root);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<LogRecord> records;
        for (int i = 0; i < 10; ++i) {
            records.append(engineRecord(now - 7'200'000 + i, LogLevel::Info, 1, QStringLiteral("old"),
                QStringLiteral("progress"), QStringLiteral("two hours ago")));
        }
        for (int i = 0; i < 10; ++i) {
            records.append(engineRecord(now - 300'000 + i, LogLevel::Info, 2, QStringLiteral("new"),
                QStringLiteral("progress"), QStringLiteral("five minutes ago")));
        }
        QVERIFY(log.appendLines(records));
        LogViewerWindow window({ { QStringLiteral("recent"), root } }, QStringLiteral("storage recent"));
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 20, 20000);
        window.filterBar()->setSlideInterval(100);
        QSignalSpy changed(window.filterBar(), &LogFilterBar::filterChanged);
        QComboBox* time = window.filterBar()->timeBox();
        time->setCurrentIndex(time->findText(QStringLiteral("Last hour")));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 10, 20000);
        QCOMPARE(cell(window.model(), 0, LogTableModel::UserColumn), QStringLiteral("new"));
        // The window moves on by itself.
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 3, 20000);
        const auto first = changed.first().first().value<LogFilter>().fromMs;
        const auto last = changed.last().first().value<LogFilter>().fromMs;
        QVERIFY(first && last && *last > *first);
        QTRY_VERIFY_WITH_TIMEOUT(!window.query()->isRunning(), 20000);
        QCOMPARE(window.model()->rowCount(), 10);
        // Any time: the clock no longer matters.
        time->setCurrentIndex(time->findText(QStringLiteral("Any time")));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 20, 20000);
        changed.clear();
        QVERIFY(!changed.wait(500)); // with the slide interval at 100 ms, five would have come
    }

    void followShowsNewLines()
    {
        LogViewerWindow window({ { QStringLiteral("a"), m_a } }, QStringLiteral("storage a"));
        window.resize(900, 400);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const int before = jobs * linesPerJob / 2;
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), before, 20000);
        QVERIFY(window.followAction()->isChecked());
        QVERIFY(window.table()->isColumnHidden(LogTableModel::StorageColumn));
        MigrationLog log(m_a);
        QList<LogRecord> more;
        for (int i = 0; i < 50; ++i)
            more.append(engineRecord(baseTimeMs + 3600000 + i, LogLevel::Info, 9, QStringLiteral("late"),
                QStringLiteral("progress"), QStringLiteral("new line %1").arg(i)));
        QVERIFY(log.appendLines(more));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), before + 50, 20000);
        QCOMPARE(cell(window.model(), before + 49, LogTableModel::MessageColumn), QStringLiteral("new line 49"));
        // Following keeps the newest line in view.
        QScrollBar* bar = window.table()->verticalScrollBar();
        QTRY_COMPARE(bar->value(), bar->maximum());
        QVERIFY(bar->maximum() > 0);
        // The new job shows up on the timeline.
        QTRY_VERIFY_WITH_TIMEOUT(!window.timeline()->barRect(9).isEmpty(), 20000);
    }

    void damagedRotationIsReported()
    {
        // Cut the oldest compressed rotation in half: its readable lines and everything after stay.
        const QStringList files = MigrationLog::files(m_a);
        const QString& gz = files.constFirst();
        QVERIFY(gz.endsWith(QLatin1String(".gz")));
        QFile file(gz);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(file.size() / 2));
        file.close();
        LogViewerWindow window({ { QStringLiteral("a"), m_a } }, QStringLiteral("storage a"));
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(window.document()->isFinished(), 20000);
        QTRY_VERIFY(window.errorLabel()->isVisible());
        QVERIFY2(
            window.errorLabel()->text().contains(QFileInfo(gz).fileName()), qPrintable(window.errorLabel()->text()));
        QVERIFY(window.model()->rowCount() > 0);
        QVERIFY(window.model()->rowCount() < jobs * linesPerJob / 2);
        // The newest line is there.
        const int last = window.model()->rowCount() - 1;
        QCOMPARE(cell(window.model(), last, LogTableModel::JobColumn), QString::number(jobs));
    }

    void missingStorageIsAnErrorNotACrash()
    {
        LogViewerWindow window(
            { { QStringLiteral("gone"), m_dir->filePath(QStringLiteral("nowhere")) } }, QStringLiteral("storage gone"));
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(window.document()->isFinished(), 20000);
        QCOMPARE(window.model()->rowCount(), 0);
        QVERIFY(window.timeline()->jobs().isEmpty());
        // Said above the (empty) lines, with the path that is missing.
        QTRY_VERIFY(window.errorLabel()->isVisible());
        QVERIFY2(
            window.errorLabel()->text().contains(QStringLiteral("nowhere")), qPrintable(window.errorLabel()->text()));
    }

    // A large log (a few hundred thousand lines, thousands of jobs) while it is indexed, filtered
    // and searched: the longest gap between ticks of a 10 ms timer on the GUI thread stays under
    // 100 ms, and the first screen comes before the index is finished.
    void staysResponsiveOnALargeLog()
    {
        const qint64 bytes = qgetenv("POOLKEEPER_TEST_LOG_MIB").toLongLong() > 0
            ? qgetenv("POOLKEEPER_TEST_LOG_MIB").toLongLong() << 20
            : qint64(48) << 20;
        const QString root = m_dir->filePath(QStringLiteral("large"));
        QDir().mkpath(root);
        {
            QFile file(root + u'/' + MigrationLog::fileName());
            QVERIFY(file.open(QIODevice::WriteOnly));
            QByteArray buffer;
            qint64 line = 0;
            for (qint64 job = 1; file.size() + buffer.size() < bytes; ++job) {
                // Written directly (as MigrationLog would) to keep a debug build quick.
                const QByteArray jobText = QByteArray::number(job);
                for (int i = 0; i < 50; ++i, ++line) {
                    buffer += "ts=" + Logfmt::formatTimestamp(baseTimeMs + line * 10)
                        + (i == 49 && job % 7 == 0 ? " level=error" : " level=info") + " job=" + jobText + " user=user-"
                        + QByteArray::number(job % 500)
                        + " src=store-a dst=store-b phase=copying event=progress msg=\"copied " + QByteArray::number(i)
                        + " chunks of job " + jobText + "\"\n";
                }
                if (buffer.size() > (1 << 20)) {
                    QVERIFY(file.write(buffer) == buffer.size());
                    buffer.clear();
                }
            }
            QVERIFY(file.write(buffer) == buffer.size());
        }

        QElapsedTimer clock;
        clock.start();
        GuiStallMeter meter;
        LogViewerWindow window({ { QStringLiteral("large"), root } }, QStringLiteral("storage large"));
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(window.model()->rowCount() > 0, 30000);
        const qint64 firstScreen = clock.elapsed();
        const qint64 openingGap = meter.longestStallMs(); // creating the window is not indexing
        meter.restart();
        const bool indexingWhenShown = !window.document()->isFinished();
        // Filter to a job and search while the rest is indexed.
        window.filterToJob(700);
        QTest::keyClicks(window.searchBar()->patternEdit(), QStringLiteral("chunks of job 700"));
        QTRY_VERIFY_WITH_TIMEOUT(window.document()->isFinished(), 300000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.model()->rowCount() == 50 && !window.query()->isRunning() && window.query()->matchCount() == 50,
            300000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.timeline()->barRect(700).isEmpty(), 300000);
        meter.stop();
        qInfo("first screen after %lld ms (indexing still running: %s); %s (%lld ms while opening); %lld lines",
            firstScreen, indexingWhenShown ? "yes" : "no", qPrintable(meter.describe()), openingGap,
            window.document()->rowCount());
        QVERIFY2(meter.responsive(), qPrintable(meter.describe()));
    }

private:
    static QAbstractButton* findChildButton(QWidget& window, const QString& text)
    {
        for (auto* button : window.findChildren<QAbstractButton*>()) {
            if (button->text() == text)
                return button;
        }
        return nullptr;
    }

    std::unique_ptr<QTemporaryDir> m_dir; // fresh logs for every test
    QString m_a;
    QString m_b;
    QHash<qint64, int> m_counts;
};

QTEST_MAIN(TestLogViewer)
#include "tst_logviewer.moc"
