// The migration log writer: lines parse back, rotation and compression at the limit, files
// beyond keep dropped, concurrent writers (threads and processes) with rotation meanwhile, and
// the recovery after a crash between two rotation steps.

#include "archive/compressedfilereader.h"
#include "archive/gzip.h"
#include "logs/logfmt.h"
#include "logs/migrationlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace pk;

namespace {

struct Decoded
{
    QByteArray data;
    QString error;
    bool compressed = false;
};

Decoded decode(const QString& path)
{
    Decoded result;
    CompressedFileReader reader;
    if (auto status = reader.open(path); !status) {
        result.error = status.message();
        return result;
    }
    result.compressed = reader.isCompressed();
    char buffer[64 * 1024];
    for (;;) {
        auto n = reader.read(buffer, sizeof buffer);
        if (!n) {
            result.error = n.message();
            return result;
        }
        if (*n == 0)
            return result;
        result.data.append(buffer, *n);
    }
}

// All files of the log, oldest first, as one stream; an error names the file that failed.
QByteArray wholeLog(const QString& root, QString* error)
{
    QByteArray all;
    for (const QString& path : MigrationLog::files(root)) {
        const Decoded decoded = decode(path);
        if (!decoded.error.isEmpty() && error->isEmpty())
            *error = decoded.error;
        all += decoded.data;
    }
    return all;
}

QStringList namesIn(const QString& dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

QStringList fileNames(const QStringList& paths)
{
    QStringList names;
    for (const QString& path : paths)
        names.append(QFileInfo(path).fileName());
    return names;
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(file.errorString()));
    QCOMPARE(file.write(data), data.size());
}

LogRecord sampleRecord(int i, QRandomGenerator& random)
{
    LogRecord record;
    record.timeMs = 1795515302123 + i;
    record.level = static_cast<LogLevel>(i % 4);
    record.set(logkey::job, qint64(i));
    record.set(logkey::user, QStringLiteral("user-%1").arg(random.bounded(50)));
    record.set(logkey::phase, QStringLiteral("copying"));
    record.set(logkey::bytes, qint64(random.bounded(1 << 30)));
    record.set(logkey::msg, QStringLiteral("event %1 %2").arg(i).arg(QString(random.bounded(120), u'x')));
    return record;
}

// Every line of a concurrent run: it parses, and each writer's lines appear once, in order.
void verifyConcurrentLog(const QString& root, const QStringList& writers, int linesPerWriter)
{
    QString error;
    const QByteArray all = wholeLog(root, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.endsWith('\n'));
    const QList<QByteArray> lines = all.chopped(1).split('\n');
    QCOMPARE(lines.size(), writers.size() * linesPerWriter);
    QHash<QString, int> nextSeq;
    LogfmtLine parsed;
    QString previousWriter;
    int switches = 0;
    for (const QByteArray& line : lines) {
        Logfmt::parse(line, parsed);
        QVERIFY2(parsed.valid, line.constData());
        const auto record = parsed.toRecord();
        QVERIFY(record.has_value());
        const QString writer = record->field(QStringLiteral("writer"));
        QVERIFY2(writers.contains(writer), line.constData());
        switches += writer != previousWriter;
        previousWriter = writer;
        const int seq = record->field(QStringLiteral("seq")).toInt();
        // In order and without gaps or repeats: nothing lost, nothing doubled.
        QCOMPARE(seq, nextSeq.value(writer, 0));
        nextSeq[writer] = seq + 1;
        QCOMPARE(record->field(logkey::msg),
            QStringLiteral("line %1 of writer %2 \"quoted\" and = signs").arg(seq).arg(writer));
    }
    for (const QString& writer : writers)
        QCOMPARE(nextSeq.value(writer), linesPerWriter);
    // The writers really ran at the same time (otherwise this test would prove little).
    QVERIFY2(switches > writers.size(), qPrintable(QString::number(switches)));
    // Rotation happened meanwhile, more than once.
    QVERIFY2(MigrationLog::files(root).size() > 3, qPrintable(MigrationLog::files(root).join(u' ')));
    for (const QString& name : namesIn(root))
        QVERIFY2(!name.endsWith(QLatin1String(".tmp")), qPrintable(name));
}

bool appendWriterLines(const QString& root, const QString& writer, int lines, qint64 rotateBytes, QString* error)
{
    MigrationLog::Options options;
    options.rotateBytes = rotateBytes;
    options.keep = 100000;
    MigrationLog log(root, options);
    for (int i = 0; i < lines; ++i) {
        LogRecord record = LogRecord::now(LogLevel::Info);
        record.set(QStringLiteral("writer"), writer);
        record.set(QStringLiteral("seq"), qint64(i));
        record.set(logkey::msg, QStringLiteral("line %1 of writer %2 \"quoted\" and = signs").arg(i).arg(writer));
        if (auto status = log.append(record); !status) {
            *error = status.message();
            return false;
        }
    }
    return true;
}

} // namespace

class TestMigrationLog : public QObject
{
    Q_OBJECT

private slots:
    void linesParseBack();
    void rotation_data();
    void rotation();
    void concurrentThreads();
    void concurrentProcesses();
    void missingStorageRoot();
    void badRecordRefused();
    void filesListing();
    void recoveryAfterCrash_data();
    void recoveryAfterCrash();
    void failedRotationKeepsLines();
};

void TestMigrationLog::linesParseBack()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MigrationLog log(dir.path());
    QCOMPARE(MigrationLog::fileName(), QStringLiteral("inSyncMigration.log"));
    QCOMPARE(log.path(), dir.filePath(QStringLiteral("inSyncMigration.log")));

    QList<LogRecord> records;
    LogRecord first = LogRecord::now(LogLevel::Info, QStringLiteral("copied 12 chunks"));
    first.set(logkey::job, 42);
    first.set(logkey::user, QStringLiteral("alice"));
    first.set(logkey::src, QStringLiteral("store-a"));
    first.set(logkey::dst, QStringLiteral("store-c"));
    first.set(logkey::phase, QStringLiteral("copying"));
    first.set(logkey::bytes, qint64(1048576));
    first.set(logkey::total, qint64(52428800));
    records.append(first);
    LogRecord failure
        = LogRecord::now(LogLevel::Error, QStringLiteral("verify failed:\nchunk ab/cd \"missing\" = bad"));
    failure.set(logkey::event, QStringLiteral("alert"));
    failure.set(logkey::user, QStringLiteral("Zoë Müller"));
    records.append(failure);
    LogRecord summary = LogRecord::now(LogLevel::Info);
    summary.set(logkey::event, QStringLiteral("summary"));
    summary.set(logkey::durationMs, qint64(93211));
    summary.set(logkey::rate, QStringLiteral("52.3 MiB/s"));
    summary.set(QStringLiteral("empty"), QString());
    records.append(summary);

    QVERIFY(log.append(records[0]));
    QVERIFY(log.appendLines(records.mid(1)));
    QVERIFY(log.appendLines({})); // nothing to do, still fine
    QVERIFY(log.rotationStatus());

    QFile file(log.path());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray content = file.readAll();
    QByteArray expected;
    for (const LogRecord& r : records)
        expected += Logfmt::format(r);
    QCOMPARE(content, expected);
    const QList<QByteArray> lines = content.chopped(1).split('\n');
    QCOMPARE(lines.size(), records.size());
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const auto back = Logfmt::parse(lines[i]).toRecord();
        QVERIFY(back.has_value());
        QVERIFY(*back == records[i]);
    }
    QCOMPARE(fileNames(MigrationLog::files(dir.path())), QStringList({ QStringLiteral("inSyncMigration.log") }));
    QCOMPARE(QFileInfo(log.path()).permissions() & (QFile::ReadOwner | QFile::WriteOwner),
        QFile::ReadOwner | QFile::WriteOwner);
}

void TestMigrationLog::rotation_data()
{
    QTest::addColumn<qint64>("rotateBytes");
    QTest::addColumn<int>("keep");
    QTest::addColumn<int>("lines");
    QTest::addColumn<int>("batch"); // records per appendLines call

    QTest::newRow("4 KiB, keep 3") << qint64(4096) << 3 << 600 << 1;
    QTest::newRow("4 KiB, keep 100: nothing dropped") << qint64(4096) << 100 << 400 << 1;
    QTest::newRow("4 KiB, keep 100, batches of 7") << qint64(4096) << 100 << 400 << 7;
    QTest::newRow("4 KiB, keep 2") << qint64(4096) << 2 << 300 << 1;
    QTest::newRow("4 KiB, keep 1") << qint64(4096) << 1 << 300 << 1;
    QTest::newRow("keep 0 counts as 1") << qint64(4096) << 0 << 300 << 1;
    QTest::newRow("never rotate") << qint64(0) << 5 << 300 << 1;
}

void TestMigrationLog::rotation()
{
    QFETCH(qint64, rotateBytes);
    QFETCH(int, keep);
    QFETCH(int, lines);
    QFETCH(int, batch);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MigrationLog::Options options;
    options.rotateBytes = rotateBytes;
    options.keep = keep;
    MigrationLog log(dir.path(), options);
    const int effectiveKeep = qMax(1, keep);

    // A model of what the files must hold: rotation before an append that finds the current file
    // at or over the limit; rotated[0] is .1, rotated[1] is .2.gz, ...
    QList<QByteArray> rotated;
    QByteArray current;
    QByteArray everything;
    int rotations = 0;
    QRandomGenerator random(7);
    for (int i = 0; i < lines; i += batch) {
        QList<LogRecord> records;
        QByteArray text;
        for (int j = i; j < qMin(lines, i + batch); ++j) {
            records.append(sampleRecord(j, random));
            text += Logfmt::format(records.last());
        }
        if (rotateBytes > 0 && current.size() >= rotateBytes) {
            rotated.prepend(current);
            current.clear();
            rotated = rotated.mid(0, effectiveKeep);
            ++rotations;
        }
        current += text;
        everything += text;
        const Status status = batch == 1 ? log.append(records.first()) : log.appendLines(records);
        QVERIFY2(status, qPrintable(status.message()));
        QVERIFY2(log.rotationStatus(), qPrintable(log.rotationStatus().message()));
    }
    if (rotateBytes > 0)
        QVERIFY(rotations >= 3);

    QStringList expectedNames;
    for (qsizetype index = rotated.size(); index >= 1; --index)
        expectedNames.append(index == 1 ? QStringLiteral("inSyncMigration.log.1")
                                        : QStringLiteral("inSyncMigration.log.%1.gz").arg(index));
    expectedNames.append(QStringLiteral("inSyncMigration.log"));
    const QStringList files = MigrationLog::files(dir.path());
    QCOMPARE(fileNames(files), expectedNames);
    // Nothing else lies around: no temporary files, no files beyond keep.
    QStringList allNames = expectedNames;
    allNames.append(MigrationLog::lockFileName());
    allNames.sort();
    QCOMPARE(namesIn(dir.path()), allNames);

    // Every file holds exactly what the model says; .2.gz and up are gzip, .1 is plain.
    for (qsizetype i = 0; i < files.size(); ++i) {
        const qsizetype index = files.size() - 1 - i; // 0: current, 1: .1, ...
        const Decoded decoded = decode(files[i]);
        QVERIFY2(decoded.error.isEmpty(), qPrintable(decoded.error));
        QCOMPARE(decoded.compressed, index >= 2);
        QVERIFY(decoded.data == (index == 0 ? current : rotated[index - 1]));
    }

    QString error;
    const QByteArray all = wholeLog(dir.path(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    if (rotations < effectiveKeep + 1) {
        // Nothing dropped: the files, oldest first, are the whole log.
        QVERIFY(all == everything);
    } else {
        // Dropped files are the oldest: what is left is the end of the log, cut between lines.
        QVERIFY(all.size() < everything.size());
        QVERIFY(everything.endsWith(all));
        QCOMPARE(everything.at(everything.size() - all.size() - 1), '\n');
    }
}

void TestMigrationLog::concurrentThreads()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList writers
        = { QStringLiteral("t0"), QStringLiteral("t1"), QStringLiteral("t2"), QStringLiteral("t3") };
    const int lines = 1500;
    QList<QString> errors(writers.size());
    std::vector<std::unique_ptr<QThread>> threads;
    for (qsizetype i = 0; i < writers.size(); ++i) {
        threads.emplace_back(
            QThread::create([&, i] { appendWriterLines(dir.path(), writers[i], lines, 4096, &errors[i]); }));
        threads.back()->start();
    }
    for (auto& thread : threads)
        QVERIFY(thread->wait());
    for (const QString& error : errors)
        QVERIFY2(error.isEmpty(), qPrintable(error));
    verifyConcurrentLog(dir.path(), writers, lines);
}

void TestMigrationLog::concurrentProcesses()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const int lines = 1000;
    QStringList writers;
    std::vector<std::unique_ptr<QProcess>> processes;
    for (int p = 0; p < 3; ++p) {
        const QString writer = QStringLiteral("p%1").arg(p);
        writers.append(writer);
        auto process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process->start(QStringLiteral(POOLKEEPER_LOGWRITER_PATH),
            { dir.path(), writer, QString::number(lines), QStringLiteral("4096"), QStringLiteral("100000") });
        processes.push_back(std::move(process));
    }
    // And two threads of this process at the same time.
    const QStringList threadWriters = { QStringLiteral("t0"), QStringLiteral("t1") };
    writers += threadWriters;
    QList<QString> errors(threadWriters.size());
    std::vector<std::unique_ptr<QThread>> threads;
    for (qsizetype i = 0; i < threadWriters.size(); ++i) {
        threads.emplace_back(
            QThread::create([&, i] { appendWriterLines(dir.path(), threadWriters[i], lines, 4096, &errors[i]); }));
        threads.back()->start();
    }
    for (auto& process : processes) {
        QVERIFY2(process->waitForStarted(-1), qPrintable(process->errorString()));
        QVERIFY(process->waitForFinished(-1));
        QCOMPARE(process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(process->exitCode(), 0);
    }
    for (auto& thread : threads)
        QVERIFY(thread->wait());
    for (const QString& error : errors)
        QVERIFY2(error.isEmpty(), qPrintable(error));
    verifyConcurrentLog(dir.path(), writers, lines);
}

void TestMigrationLog::missingStorageRoot()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString missing = dir.filePath(QStringLiteral("not/mounted"));
    MigrationLog log(missing);
    Status status = log.append(LogRecord::now(LogLevel::Info, QStringLiteral("x")));
    QVERIFY(!status);
    QCOMPARE(status.error().code, ErrorCode::NotFound);
    QVERIFY2(status.message().contains(missing), qPrintable(status.message()));
    // Nothing was created anywhere.
    QCOMPARE(namesIn(dir.path()), QStringList());
    QCOMPARE(MigrationLog::files(missing), QStringList());

    const QString file = dir.filePath(QStringLiteral("a-file"));
    writeFile(file, "x");
    MigrationLog onFile(file);
    status = onFile.append(LogRecord::now(LogLevel::Info, QStringLiteral("x")));
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QLatin1String("not a directory")), qPrintable(status.message()));
    QCOMPARE(namesIn(dir.path()), QStringList({ QStringLiteral("a-file") }));
}

void TestMigrationLog::badRecordRefused()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MigrationLog log(dir.path());
    LogRecord good = LogRecord::now(LogLevel::Info, QStringLiteral("fine"));
    LogRecord bad = LogRecord::now(LogLevel::Info);
    bad.fields.append({ QStringLiteral("two words"), QStringLiteral("x") });
    // One bad record refuses the whole batch: nothing is written.
    const Status status = log.appendLines({ good, bad });
    QVERIFY(!status);
    QCOMPARE(status.error().code, ErrorCode::Usage);
    QVERIFY2(status.message().contains(QLatin1String("two words")), qPrintable(status.message()));
    QCOMPARE(MigrationLog::files(dir.path()), QStringList());
}

void TestMigrationLog::filesListing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const char* name :
        { "inSyncMigration.log", "inSyncMigration.log.1", "inSyncMigration.log.2.gz", "inSyncMigration.log.10.gz",
            "inSyncMigration.log.3.gz", "inSyncMigration.log.lock", "inSyncMigration.log.old",
            "inSyncMigration.log.02.gz", "inSyncMigration.log.x.gz", "inSyncMigration.log.-1", "inSyncMigration.log.gz",
            ".inSyncMigration.log.2.gz.123-0123456789abcdef.tmp", "other.log", "inSyncMigration.log2" })
        writeFile(dir.filePath(QLatin1String(name)), "x\n");
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("inSyncMigration.log.4.gz"))); // a directory is no log file

    const QStringList files = MigrationLog::files(dir.path());
    QCOMPARE(fileNames(files),
        QStringList({ QStringLiteral("inSyncMigration.log.10.gz"), QStringLiteral("inSyncMigration.log.3.gz"),
            QStringLiteral("inSyncMigration.log.2.gz"), QStringLiteral("inSyncMigration.log.1"),
            QStringLiteral("inSyncMigration.log") }));
    QCOMPARE(files.first(), dir.filePath(QStringLiteral("inSyncMigration.log.10.gz")));
}

void TestMigrationLog::recoveryAfterCrash_data()
{
    QTest::addColumn<bool>("crashedBetweenCompressAndRemove");
    QTest::newRow(".2.gz is .1 compressed: .1 is a leftover") << true;
    QTest::newRow(".2.gz is older than .1: both stay") << false;
}

void TestMigrationLog::recoveryAfterCrash()
{
    QFETCH(bool, crashedBetweenCompressAndRemove);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QRandomGenerator random(3);
    QByteArray older;
    QByteArray newer;
    for (int i = 0; i < 50; ++i)
        older += Logfmt::format(sampleRecord(i, random));
    for (int i = 50; i < 100; ++i)
        newer += Logfmt::format(sampleRecord(i, random));
    const QString plain = dir.filePath(QStringLiteral("inSyncMigration.log.1"));
    const QString compressed = dir.filePath(QStringLiteral("inSyncMigration.log.2.gz"));
    const QString source = dir.filePath(QStringLiteral("source"));
    writeFile(source, older);
    QVERIFY(gzipFile(source, compressed));
    QVERIFY(QFile::remove(source));
    writeFile(plain, crashedBetweenCompressAndRemove ? older : newer);
    // A compression cut short by the crash.
    const QString stale = dir.filePath(QStringLiteral(".inSyncMigration.log.2.gz.999999-0123456789abcdef.tmp"));
    writeFile(stale, "half a gzip");

    MigrationLog log(dir.path());
    const LogRecord record = sampleRecord(100, random);
    QVERIFY(log.append(record));
    QVERIFY2(log.rotationStatus(), qPrintable(log.rotationStatus().message()));

    QVERIFY(!QFileInfo::exists(stale));
    QString error;
    const QByteArray all = wholeLog(dir.path(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    if (crashedBetweenCompressAndRemove) {
        QCOMPARE(fileNames(MigrationLog::files(dir.path())),
            QStringList({ QStringLiteral("inSyncMigration.log.2.gz"), QStringLiteral("inSyncMigration.log") }));
        QVERIFY(all == older + Logfmt::format(record)); // no line twice
    } else {
        QCOMPARE(MigrationLog::files(dir.path()).size(), 3);
        QVERIFY(all == older + newer + Logfmt::format(record));
    }
}

void TestMigrationLog::failedRotationKeepsLines()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MigrationLog::Options options;
    options.rotateBytes = 100;
    MigrationLog log(dir.path(), options);
    const LogRecord first = LogRecord::now(LogLevel::Info, QString(200, u'a'));
    QVERIFY(log.append(first));
    // .1 cannot be compressed (it is a directory), so rotation fails...
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("inSyncMigration.log.1/x")));
    const LogRecord second = LogRecord::now(LogLevel::Info, QStringLiteral("second"));
    const Status status = log.append(second);
    // ...but the line is written all the same, and the failure is reported on the side.
    QVERIFY2(status, qPrintable(status.message()));
    QVERIFY(!log.rotationStatus());
    QVERIFY2(log.rotationStatus().message().contains(QLatin1String("inSyncMigration.log.1")),
        qPrintable(log.rotationStatus().message()));
    const LogRecord third = LogRecord::now(LogLevel::Info, QStringLiteral("third"));
    QVERIFY(log.append(third));
    QFile file(log.path());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), Logfmt::format(first) + Logfmt::format(second) + Logfmt::format(third));
}

QTEST_GUILESS_MAIN(TestMigrationLog)
#include "tst_migrationlog.moc"
