// BackgroundRunner, the skeleton of the log viewer's background passes: a pass that a newer
// generation supersedes delivers nothing, and destroying the runner while a pass runs, or while
// passes and results are queued, touches nothing that is gone.

#include "logs/backgroundrunner.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace pk;

namespace {

// What a test pass shares with the test: gates it waits at, and what it saw.
struct Probe
{
    QSemaphore started; // released when a pass begins
    QSemaphore release; // a pass waits for one before delivering
    std::atomic<int> superseded { 0 }; // passes that saw isCurrent() false before delivering
    std::atomic<int> deliveries { 0 }; // results queued (applied or not)
};

// Passes that deliver one value each; a blocking pass waits for Probe::release, an endless one
// delivers until it is superseded.
class TestRunner : public BackgroundRunner
{
    Q_OBJECT

public:
    explicit TestRunner(std::shared_ptr<Probe> probe)
        : BackgroundRunner(QStringLiteral("test runner"))
        , m_probe(std::move(probe))
    { }

    void startBlocking(int value)
    {
        m_value = value;
        m_endless = false;
        newGeneration();
        startPass();
    }
    void startEndless()
    {
        m_endless = true;
        newGeneration();
        startPass();
    }
    QList<int> applied;

signals:
    void delivered(int value);

protected:
    void startPass() override
    {
        const int value = m_value;
        if (m_endless) {
            post([probe = m_probe](const Run& run) {
                probe->started.release();
                while (run.isCurrent()) {
                    if (probe->deliveries.load() >= 100) {
                        QThread::yieldCurrentThread(); // enough queued: wait to be stopped
                        continue;
                    }
                    ++probe->deliveries;
                    run.deliver<TestRunner>([](TestRunner* runner) { runner->apply(-1, false); });
                }
            });
            return;
        }
        post([probe = m_probe, value](const Run& run) {
            probe->started.release();
            // Waits to be released, or stopped: a pass checks isCurrent() as it goes.
            while (!probe->release.tryAcquire(1, 10) && run.isCurrent()) { }
            if (!run.isCurrent())
                ++probe->superseded;
            // Delivers even when superseded: the runner must drop it.
            ++probe->deliveries;
            run.deliver<TestRunner>([value](TestRunner* runner) { runner->apply(value, true); });
        });
    }

private:
    void apply(int value, bool final)
    {
        applied.append(value);
        if (final)
            endPass();
        emit delivered(value);
    }

    std::shared_ptr<Probe> m_probe;
    int m_value = 0;
    bool m_endless = false;
};

} // namespace

class TestBackgroundRunner : public QObject
{
    Q_OBJECT

private slots:
    void deliversOnlyTheNewestGeneration()
    {
        auto probe = std::make_shared<Probe>();
        TestRunner runner(probe);
        QSignalSpy delivered(&runner, &TestRunner::delivered);
        runner.startBlocking(1);
        QVERIFY(runner.isRunning());
        probe->started.acquire(); // the first pass runs and waits
        runner.startBlocking(2); // queued behind it, in a newer generation
        QCOMPARE(runner.generation(), quint64(2));
        probe->release.release(2);
        QVERIFY(delivered.wait());
        QCOMPARE(delivered.count(), 1);
        QCOMPARE(delivered.at(0).at(0).toInt(), 2);
        // The first pass delivered too, before the second (one worker thread, in order): dropped.
        QCOMPARE(probe->deliveries.load(), 2);
        QCOMPARE(probe->superseded.load(), 1);
        QCOMPARE(runner.applied, QList<int> { 2 });
        QVERIFY(!runner.isRunning());
    }

    void supersededBeforeItStartsNeverRuns()
    {
        auto probe = std::make_shared<Probe>();
        TestRunner runner(probe);
        QSignalSpy delivered(&runner, &TestRunner::delivered);
        runner.startBlocking(1);
        probe->started.acquire();
        runner.startBlocking(2); // queued, then superseded before it starts
        runner.startBlocking(3);
        probe->release.release(3);
        QVERIFY(delivered.wait());
        QCOMPARE(probe->deliveries.load(), 2); // passes 1 and 3; pass 2 never ran
        QCOMPARE(runner.applied, QList<int> { 3 });
    }

    void destroyedWhileAPassRuns()
    {
        auto probe = std::make_shared<Probe>();
        auto runner = std::make_unique<TestRunner>(probe);
        runner->startEndless();
        probe->started.acquire();
        QTRY_VERIFY(probe->deliveries.load() > 0); // results are queued to the runner
        runner.reset(); // stops the pass, waits for it, drops what it queued
        const int deliveries = probe->deliveries.load();
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
        QCOMPARE(probe->deliveries.load(), deliveries); // the pass is over
        QCOMPARE(probe.use_count(), 1L); // and so is every queued pass and result that held it
    }

    void destroyedWithPassesQueued()
    {
        auto probe = std::make_shared<Probe>();
        auto runner = std::make_unique<TestRunner>(probe);
        runner->startBlocking(1);
        probe->started.acquire(); // the first pass runs and waits
        runner->startBlocking(2); // queued behind it
        // The running pass stops and delivers to a runner on its way out; the queued one never runs.
        runner.reset();
        QCOMPARE(probe->superseded.load(), 1);
        QCOMPARE(probe->deliveries.load(), 1);
        QCoreApplication::sendPostedEvents();
        QCOMPARE(probe.use_count(), 1L);
    }
};

QTEST_GUILESS_MAIN(TestBackgroundRunner)
#include "tst_backgroundrunner.moc"
