// The archive layer: gzip round trips, reading plain and compressed files through one reader,
// damaged input (truncated, flipped bytes, garbage) and tar.gz bundles written and read back.

#include "archive/archivereader.h"
#include "archive/archivewriter.h"
#include "archive/atomicfile.h"
#include "archive/compressedfiledevice.h"
#include "archive/compressedfilereader.h"
#include "archive/gzip.h"
#include "util/sizes.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

using namespace pk;

namespace {

QByteArray randomBytes(qint64 size, quint32 seed)
{
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator random(seed);
    qint64 i = 0;
    for (; i + 4 <= size; i += 4) {
        const quint32 word = random.generate();
        memcpy(data.data() + i, &word, 4);
    }
    for (; i < size; ++i)
        data[i] = static_cast<char>(random.generate());
    return data;
}

// Compressible, like a real log: gzip codes it with Huffman blocks, not stored ones.
QByteArray logText(qint64 size, quint32 seed)
{
    static const char* words[]
        = { "copying", "verify", "alice", "bob", "store-a", "store-c", "chunk", "done", "phase" };
    QRandomGenerator random(seed);
    QByteArray text;
    text.reserve(size + 200);
    for (int line = 0; text.size() < size; ++line) {
        text += "ts=2026-11-24T10:15:02.";
        text += QByteArray::number(line % 1000);
        text += "Z level=info job=" + QByteArray::number(random.bounded(1000)) + " user=";
        text += words[random.bounded(9)];
        text += " bytes=" + QByteArray::number(random.bounded(1 << 30)) + " msg=\"";
        for (int w = random.bounded(8); w >= 0; --w) {
            text += words[random.bounded(9)];
            text += ' ';
        }
        text += "\"\n";
    }
    text.truncate(size);
    return text;
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(file.errorString()));
    QCOMPARE(file.write(data), data.size());
}

QByteArray fileContent(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

struct Decoded
{
    QByteArray data;
    QString error; // empty: read to the end without error
    bool compressed = false;
};

// Reads everything the reader delivers, in odd-sized pieces, until the end or the first error.
Decoded decode(const QString& path, qint64 pieceSize = 70001)
{
    Decoded result;
    CompressedFileReader reader;
    if (auto status = reader.open(path); !status) {
        result.error = status.message();
        return result;
    }
    result.compressed = reader.isCompressed();
    QByteArray buffer(pieceSize, Qt::Uninitialized);
    for (int guard = 0; guard < 1000000; ++guard) {
        auto n = reader.read(buffer.data(), buffer.size());
        if (!n) {
            result.error = n.message();
            // The error sticks.
            auto again = reader.read(buffer.data(), buffer.size());
            if (again || again.message() != result.error)
                result.error = QStringLiteral("error did not stick: ") + result.error;
            return result;
        }
        if (*n == 0)
            return result;
        result.data.append(buffer.constData(), *n);
    }
    result.error = QStringLiteral("reader never ended");
    return result;
}

qsizetype commonPrefix(const QByteArray& a, const QByteArray& b)
{
    const qsizetype n = qMin(a.size(), b.size());
    qsizetype i = 0;
    while (i < n && a[i] == b[i])
        ++i;
    return i;
}

QStringList entriesOf(const QString& dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

// Writes data through a libarchive filter, to check the reader's other formats.
bool writeFiltered(const QString& path, const QByteArray& data, int (*addFilter)(archive*))
{
    archive* a = archive_write_new();
    bool ok = addFilter(a) == ARCHIVE_OK && archive_write_set_format_raw(a) == ARCHIVE_OK
        && archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK
        && archive_write_open_filename(a, QFile::encodeName(path).constData()) == ARCHIVE_OK;
    archive_entry* entry = archive_entry_new();
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_pathname(entry, "data");
    archive_entry_set_size(entry, data.size());
    ok = ok && archive_write_header(a, entry) == ARCHIVE_OK
        && archive_write_data(a, data.constData(), static_cast<size_t>(data.size())) == data.size()
        && archive_write_close(a) == ARCHIVE_OK;
    archive_entry_free(entry);
    archive_write_free(a);
    return ok;
}

} // namespace

class TestArchive : public QObject
{
    Q_OBJECT

private slots:
    void gzipRoundTrip_data();
    void gzipRoundTrip();
    void gzipFileErrors();
    void isGzipOf();
    void plainFile_data();
    void plainFile();
    void otherCompressions_data();
    void otherCompressions();
    void truncatedGzip_data();
    void truncatedGzip();
    void corruptGzip_data();
    void corruptGzip();
    void garbage_data();
    void garbage();
    void notARegularFile();
    void deviceReadsLines();
    void deviceReportsDamage();
    void tarRoundTrip();
    void writerWithoutCloseLeavesNothing();
    void writerRejects_data();
    void writerRejects();
    void readerOnDamagedTar();
    void temporaryNames_data();
    void temporaryNames();
};

void TestArchive::gzipRoundTrip_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("text");
    QTest::newRow("empty") << qint64(0) << false;
    QTest::newRow("1 byte") << qint64(1) << false;
    QTest::newRow("65535 random") << qint64(65535) << false;
    QTest::newRow("1 MiB + 7 random") << qint64(MiB + 7) << false;
    QTest::newRow("1 MiB + 7 log text") << qint64(MiB + 7) << true;
    QTest::newRow("10 MiB random") << qint64(10 * MiB) << false;
}

void TestArchive::gzipRoundTrip()
{
    QFETCH(qint64, size);
    QFETCH(bool, text);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = text ? logText(size, 7) : randomBytes(size, 42);
    const QString source = dir.filePath(QStringLiteral("inSyncMigration.log.1"));
    const QString destination = dir.filePath(QStringLiteral("inSyncMigration.log.2.gz"));
    writeFile(source, original);
    QVERIFY(QFile::setPermissions(source, QFile::ReadOwner | QFile::WriteOwner));

    const Status status = gzipFile(source, destination);
    QVERIFY2(status, qPrintable(status.message()));
    // The source is left alone; no temporary file is left behind.
    QCOMPARE(fileContent(source), original);
    QCOMPARE(entriesOf(dir.path()),
        QStringList({ QStringLiteral("inSyncMigration.log.1"), QStringLiteral("inSyncMigration.log.2.gz") }));
    QCOMPARE(QFileInfo(destination).permissions() & 0x0fff, QFileInfo(source).permissions() & 0x0fff);
    QCOMPARE(QFileInfo(destination).lastModified(), QFileInfo(source).lastModified());
    QVERIFY(fileContent(destination).startsWith("\x1f\x8b"));
    if (text)
        QVERIFY(QFileInfo(destination).size() < size / 3);

    const Decoded decoded = decode(destination);
    QVERIFY2(decoded.error.isEmpty(), qPrintable(decoded.error));
    QVERIFY(decoded.compressed);
    QCOMPARE(decoded.data.size(), original.size());
    QVERIFY(decoded.data == original);

    CompressedFileReader reader;
    QVERIFY(reader.open(destination));
    QCOMPARE(reader.compressionName(), QStringLiteral("gzip"));
}

void TestArchive::gzipFileErrors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString source = dir.filePath(QStringLiteral("a.log"));
    writeFile(source, "line\n");

    Status status = gzipFile(dir.filePath(QStringLiteral("missing.log")), dir.filePath(QStringLiteral("x.gz")));
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QLatin1String("missing.log")), qPrintable(status.message()));

    status = gzipFile(source, dir.filePath(QStringLiteral("no/such/dir/a.log.gz")));
    QVERIFY(!status);

    status = gzipFile(source, source);
    QVERIFY(!status);
    QCOMPARE(status.error().code, ErrorCode::Usage);

    status = gzipFile(dir.path(), dir.filePath(QStringLiteral("dir.gz")));
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QLatin1String("not a regular file")), qPrintable(status.message()));

    // Nothing but the source is left.
    QCOMPARE(entriesOf(dir.path()), QStringList({ QStringLiteral("a.log") }));
    QCOMPARE(fileContent(source), QByteArray("line\n"));
}

void TestArchive::isGzipOf()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString a = dir.filePath(QStringLiteral("a"));
    const QString b = dir.filePath(QStringLiteral("b"));
    const QString gz = dir.filePath(QStringLiteral("a.gz"));
    writeFile(a, logText(100000, 1));
    writeFile(b, logText(100000, 2)); // same length, other content
    QVERIFY(gzipFile(a, gz));

    auto same = pk::isGzipOf(gz, a);
    QVERIFY2(same, qPrintable(same.message()));
    QVERIFY(*same);
    auto other = pk::isGzipOf(gz, b);
    QVERIFY2(other, qPrintable(other.message()));
    QVERIFY(!*other);
    // A plain file is never taken for a compressed copy; one too short for gzip is an error.
    auto plain = pk::isGzipOf(a, a);
    QVERIFY(!(plain && *plain));
    const QString tiny = dir.filePath(QStringLiteral("tiny.gz"));
    writeFile(tiny, "\x1f\x8b");
    QVERIFY(!pk::isGzipOf(tiny, a));
}

void TestArchive::plainFile_data()
{
    QTest::addColumn<qint64>("size");
    QTest::newRow("empty") << qint64(0);
    QTest::newRow("1 byte") << qint64(1);
    QTest::newRow("300 KiB") << qint64(300 * KiB);
}

void TestArchive::plainFile()
{
    QFETCH(qint64, size);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = logText(size, 3);
    const QString path = dir.filePath(QStringLiteral("inSyncMigration.log"));
    writeFile(path, original);

    const Decoded decoded = decode(path, 4096);
    QVERIFY2(decoded.error.isEmpty(), qPrintable(decoded.error));
    QVERIFY(!decoded.compressed);
    QCOMPARE(decoded.data, original);

    CompressedFileReader reader;
    QVERIFY(reader.open(path));
    QCOMPARE(reader.compressionName(), QStringLiteral("none"));
}

void TestArchive::otherCompressions_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("compression");
    QTest::newRow("xz") << QStringLiteral("log.xz") << QStringLiteral("xz");
    QTest::newRow("zstd") << QStringLiteral("log.zst") << QStringLiteral("zstd");
    QTest::newRow("bzip2") << QStringLiteral("log.bz2") << QStringLiteral("bzip2");
}

void TestArchive::otherCompressions()
{
    QFETCH(QString, name);
    QFETCH(QString, compression);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = logText(500000, 11);
    const QString path = dir.filePath(name);
    int (*filter)(archive*) = compression == QLatin1String("xz") ? archive_write_add_filter_xz
        : compression == QLatin1String("zstd")                   ? archive_write_add_filter_zstd
                                                                 : archive_write_add_filter_bzip2;
    QVERIFY(writeFiltered(path, original, filter));

    const Decoded decoded = decode(path);
    QVERIFY2(decoded.error.isEmpty(), qPrintable(decoded.error));
    QVERIFY(decoded.compressed);
    QCOMPARE(decoded.data, original);
    CompressedFileReader reader;
    QVERIFY(reader.open(path));
    QCOMPARE(reader.compressionName(), compression);

    // Cut in the middle: an error after a true prefix.
    const QByteArray compressed = fileContent(path);
    writeFile(path, compressed.left(compressed.size() / 2));
    const Decoded cut = decode(path);
    QVERIFY2(!cut.error.isEmpty(), qPrintable(QStringLiteral("%1 bytes, no error").arg(cut.data.size())));
    QVERIFY(cut.data.size() < original.size());
    QVERIFY(original.startsWith(cut.data));
}

void TestArchive::truncatedGzip_data()
{
    QTest::addColumn<bool>("text");
    QTest::addColumn<double>("cutFraction"); // of the compressed size; < 0: -N means N bytes before the end
    QTest::addColumn<qint64>("cutAt"); // used when cutFraction is 0

    for (bool text : { true, false }) {
        const char* kind = text ? "log text" : "random";
        for (qint64 at : { 0, 1, 2, 9, 10, 12, 20, 100 })
            QTest::addRow("%s, cut at %lld", kind, at) << text << 0.0 << at;
        for (double fraction : { 0.25, 0.5, 0.9 })
            QTest::addRow("%s, cut at %.0f%%", kind, fraction * 100) << text << fraction << qint64(0);
        for (int fromEnd : { 9, 8, 5, 1 })
            QTest::addRow("%s, %d bytes short", kind, fromEnd) << text << double(-fromEnd) << qint64(0);
    }
}

void TestArchive::truncatedGzip()
{
    QFETCH(bool, text);
    QFETCH(double, cutFraction);
    QFETCH(qint64, cutAt);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = text ? logText(2 * MiB, 5) : randomBytes(MiB, 5);
    const QString source = dir.filePath(QStringLiteral("inSyncMigration.log.1"));
    const QString gz = dir.filePath(QStringLiteral("inSyncMigration.log.2.gz"));
    writeFile(source, original);
    QVERIFY(gzipFile(source, gz));
    const QByteArray compressed = fileContent(gz);
    qint64 cut = cutAt;
    if (cutFraction > 0)
        cut = qint64(static_cast<double>(compressed.size()) * cutFraction);
    else if (cutFraction < 0)
        cut = compressed.size() + qint64(cutFraction);
    QVERIFY(cut < compressed.size());
    writeFile(gz, compressed.left(cut));

    const Decoded decoded = decode(gz);
    QVERIFY2(!decoded.error.isEmpty(), qPrintable(QStringLiteral("no error after %1 bytes").arg(decoded.data.size())));
    QVERIFY2(decoded.error.contains(gz), qPrintable(decoded.error));
    // Whatever came before the error is the true beginning of the content.
    QVERIFY(decoded.data.size() <= original.size());
    QCOMPARE(commonPrefix(decoded.data, original), decoded.data.size());
    // A cut in the middle of a file still yields most of what precedes it (libarchive decodes
    // in 64 KiB pieces and drops the piece that hits the damage).
    if (cutFraction > 0)
        QVERIFY2(decoded.data.size() >= qint64(original.size() * cutFraction * 0.5) - 128 * KiB,
            qPrintable(QStringLiteral("only %1 bytes").arg(decoded.data.size())));
}

void TestArchive::corruptGzip_data()
{
    QTest::addColumn<bool>("text");
    QTest::addColumn<double>("flipFraction"); // of the compressed size; < 0: -N means N bytes before the end

    for (bool text : { true, false }) {
        const char* kind = text ? "log text" : "random";
        for (double fraction : { 0.25, 0.5, 0.75 })
            QTest::addRow("%s, flipped at %.0f%%", kind, fraction * 100) << text << fraction;
        QTest::addRow("%s, flipped checksum", kind) << text << -8.0;
        QTest::addRow("%s, flipped size", kind) << text << -2.0;
    }
}

void TestArchive::corruptGzip()
{
    QFETCH(bool, text);
    QFETCH(double, flipFraction);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = text ? logText(4 * MiB, 9) : randomBytes(2 * MiB, 9);
    const QString source = dir.filePath(QStringLiteral("log"));
    const QString gz = dir.filePath(QStringLiteral("log.gz"));
    writeFile(source, original);
    QVERIFY(gzipFile(source, gz));
    QByteArray compressed = fileContent(gz);
    const qint64 at = flipFraction > 0 ? qint64(static_cast<double>(compressed.size()) * flipFraction)
                                       : compressed.size() + qint64(flipFraction);
    // A few bytes, so that the damage is not a single bit that Huffman decoding might absorb.
    for (qint64 i = at; i < qMin<qint64>(at + 3, compressed.size()); ++i)
        compressed[i] = static_cast<char>(compressed[i] ^ 0x5a);
    writeFile(gz, compressed);

    const Decoded decoded = decode(gz);
    // gzip has one checksum, at its end, so the damage is always seen...
    QVERIFY2(!decoded.error.isEmpty(), qPrintable(QStringLiteral("no error after %1 bytes").arg(decoded.data.size())));
    const qsizetype good = commonPrefix(decoded.data, original);
    if (flipFraction < 0) {
        // ...damage in the trailer only after all the data, which is intact.
        QCOMPARE(decoded.data.size(), original.size());
        QCOMPARE(good, original.size());
    } else {
        // ...and what precedes the damage arrives intact (what follows it, up to the point where
        // inflate or the checksum notices, may be garbled: gzip cannot tell sooner).
        QVERIFY2(good >= qint64(original.size() * flipFraction * 0.5) - 128 * KiB,
            qPrintable(QStringLiteral("only %1 good bytes").arg(good)));
    }
}

void TestArchive::garbage_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("readAsPlain"); // else refused: an error, before or after some data

    const QByteArray random = randomBytes(200000, 77);
    QTest::newRow("random bytes, plain name") << QStringLiteral("garbage.bin") << random << true;
    QTest::newRow("random bytes named .gz") << QStringLiteral("garbage.gz") << random << false;
    QTest::newRow("random bytes named .xz") << QStringLiteral("garbage.xz") << random << false;
    QTest::newRow("empty file named .gz") << QStringLiteral("empty.gz") << QByteArray() << false;
    QTest::newRow("gzip magic then garbage")
        << QStringLiteral("garbage.log") << QByteArray("\x1f\x8b\x08\x00", 4) + random << false;
    QTest::newRow("xz magic then garbage")
        << QStringLiteral("garbage2.log") << QByteArray("\xfd\x37\x7a\x58\x5a\x00", 6) + random << false;
    QTest::newRow("zstd magic then garbage")
        << QStringLiteral("garbage3.log") << QByteArray("\x28\xb5\x2f\xfd", 4) + random << false;
    QTest::newRow("text named .log") << QStringLiteral("x.log") << QByteArray("begin 644 not-uuencoded\nhello\n")
                                     << true;
}

void TestArchive::garbage()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(bool, readAsPlain);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(name);
    writeFile(path, content);

    const Decoded decoded = decode(path);
    if (readAsPlain) {
        QVERIFY2(decoded.error.isEmpty(), qPrintable(decoded.error));
        QVERIFY(!decoded.compressed);
        QCOMPARE(decoded.data, content);
    } else {
        QVERIFY2(!decoded.error.isEmpty(),
            qPrintable(QStringLiteral("read %1 bytes without error").arg(decoded.data.size())));
        QVERIFY2(decoded.error.contains(path), qPrintable(decoded.error));
    }
}

void TestArchive::notARegularFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    CompressedFileReader reader;
    Status status = reader.open(dir.path());
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QLatin1String("not a regular file")), qPrintable(status.message()));
    QCOMPARE(reader.errorString(), status.message());
    QVERIFY(!reader.read(nullptr, 10));

    status = reader.open(dir.filePath(QStringLiteral("missing.gz")));
    QVERIFY(!status);
    QCOMPARE(status.error().code, ErrorCode::NotFound);

    // A FIFO would block open() and never end: refused at once.
    const QString fifo = dir.filePath(QStringLiteral("fifo"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    status = reader.open(fifo);
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QLatin1String("not a regular file")), qPrintable(status.message()));
}

void TestArchive::deviceReadsLines()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = logText(300000, 21);
    const QString source = dir.filePath(QStringLiteral("log.1"));
    const QString gz = dir.filePath(QStringLiteral("log.2.gz"));
    writeFile(source, original);
    QVERIFY(gzipFile(source, gz));

    for (const QString& path : { source, gz }) {
        CompressedFileDevice device(path);
        QVERIFY(!device.open(QIODevice::ReadWrite));
        QVERIFY2(device.open(QIODevice::ReadOnly), qPrintable(device.errorString()));
        QVERIFY(device.isSequential());
        QCOMPARE(device.isCompressed(), path == gz);
        QVERIFY(!device.atEnd()); // a sequential QIODevice would say "at end" before the first read
        QList<QByteArray> lines;
        while (!device.atEnd())
            lines.append(device.readLine());
        QVERIFY(!device.hasError());
        QCOMPARE(lines.join(), original);
        QCOMPARE(lines.size(), original.count('\n') + (original.endsWith('\n') ? 0 : 1));
        QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (pk::CompressedFileDevice): ReadOnly device");
        QCOMPARE(device.write("x"), qint64(-1));
    }
}

void TestArchive::deviceReportsDamage()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray original = logText(MiB, 22);
    const QString source = dir.filePath(QStringLiteral("log.1"));
    const QString gz = dir.filePath(QStringLiteral("log.2.gz"));
    writeFile(source, original);
    QVERIFY(gzipFile(source, gz));
    const QByteArray compressed = fileContent(gz);
    writeFile(gz, compressed.left(compressed.size() / 2));

    CompressedFileDevice device(gz);
    QVERIFY2(device.open(QIODevice::ReadOnly), qPrintable(device.errorString()));
    const QByteArray data = device.readAll();
    QVERIFY(device.hasError());
    QVERIFY2(device.errorString().contains(gz), qPrintable(device.errorString()));
    QVERIFY(device.atEnd());
    QVERIFY(!data.isEmpty());
    QVERIFY(original.startsWith(data));
    QVERIFY(data.size() < original.size());

    CompressedFileDevice missing(dir.filePath(QStringLiteral("missing.gz")));
    QVERIFY(!missing.open(QIODevice::ReadOnly));
    QVERIFY(missing.errorString().contains(QLatin1String("does not exist")));
}

void TestArchive::tarRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("out")));
    const QByteArray big = randomBytes(3 * MiB + 123, 31);
    const QByteArray small = "ts=2026-11-24T10:15:02.123Z level=info msg=hello\n";
    const QString bigPath = dir.filePath(QStringLiteral("big.bin"));
    const QString smallPath = dir.filePath(QStringLiteral("Prüfung ünïcode.log"));
    writeFile(bigPath, big);
    writeFile(smallPath, small);
    QVERIFY(QFile::setPermissions(bigPath, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    const QByteArray json = R"({"pool":"p1","storages":3})";
    const QString bundle = dir.filePath(QStringLiteral("out/bundle.tar.gz"));

    {
        ArchiveWriter writer;
        QVERIFY(writer.open(bundle));
        QVERIFY(writer.isOpen());
        Status status = writer.addFile(QStringLiteral("logs/big.bin"), bigPath);
        QVERIFY2(status, qPrintable(status.message()));
        status = writer.addFile(QStringLiteral("logs/Prüfung ünïcode.log"), smallPath);
        QVERIFY2(status, qPrintable(status.message()));
        QVERIFY(writer.addData(QStringLiteral("meta/status.json"), json));
        QVERIFY(writer.addData(QStringLiteral("meta/empty"), QByteArray(), 0600));
        // Not there before close().
        QVERIFY(!QFileInfo::exists(bundle));
        status = writer.close();
        QVERIFY2(status, qPrintable(status.message()));
        QVERIFY(!writer.isOpen());
    }
    QCOMPARE(entriesOf(dir.filePath(QStringLiteral("out"))), QStringList({ QStringLiteral("bundle.tar.gz") }));
    QVERIFY(fileContent(bundle).startsWith("\x1f\x8b"));

    ArchiveReader reader;
    Status status = reader.open(bundle);
    QVERIFY2(status, qPrintable(status.message()));
    struct Expected
    {
        QString name;
        QByteArray data;
        int mode;
    };
    const QList<Expected> expected = {
        { QStringLiteral("logs/big.bin"), big, 0700 },
        { QStringLiteral("logs/Prüfung ünïcode.log"), small, -1 /* the umask decides */ },
        { QStringLiteral("meta/status.json"), json, 0644 },
        { QStringLiteral("meta/empty"), QByteArray(), 0600 },
    };
    for (const Expected& e : expected) {
        ArchiveEntry entry;
        auto more = reader.next(entry);
        QVERIFY2(more, qPrintable(more.message()));
        QVERIFY(*more);
        QCOMPARE(entry.name, e.name);
        QCOMPARE(entry.type, ArchiveEntry::Type::File);
        QCOMPARE(entry.size, e.data.size());
        if (e.mode >= 0)
            QCOMPARE(entry.mode, e.mode);
        auto data = reader.readAll(16 * MiB);
        QVERIFY2(data, qPrintable(data.message()));
        QVERIFY(*data == e.data);
    }
    ArchiveEntry entry;
    auto more = reader.next(entry);
    QVERIFY(more);
    QVERIFY(!*more);

    // readAll refuses an entry over its limit.
    QVERIFY(reader.open(bundle));
    QVERIFY(reader.next(entry));
    QVERIFY(!reader.readAll(1024));
}

void TestArchive::writerWithoutCloseLeavesNothing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString bundle = dir.filePath(QStringLiteral("bundle.tar.gz"));
    {
        ArchiveWriter writer;
        QVERIFY(writer.open(bundle));
        QVERIFY(writer.addData(QStringLiteral("a.txt"), randomBytes(500000, 1)));
        QCOMPARE(entriesOf(dir.path()).size(), 1); // the temporary file
        QVERIFY(!QFileInfo::exists(bundle));
    }
    QVERIFY(!QFileInfo::exists(bundle));
    QCOMPARE(entriesOf(dir.path()), QStringList());

    // discard() does the same, and close() afterwards fails cleanly.
    ArchiveWriter writer;
    QVERIFY(writer.open(bundle));
    QVERIFY(writer.addData(QStringLiteral("a.txt"), "x"));
    writer.discard();
    QVERIFY(!writer.close());
    QVERIFY(!writer.addData(QStringLiteral("b.txt"), "y"));
    QCOMPARE(entriesOf(dir.path()), QStringList());

    // Opening in a missing directory fails and creates nothing.
    QVERIFY(!writer.open(dir.filePath(QStringLiteral("missing/bundle.tar.gz"))));
    QCOMPARE(entriesOf(dir.path()), QStringList());
}

void TestArchive::writerRejects_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("localPath"); // relative to the temporary directory; empty: addData
    QTest::addColumn<int>("code");
    QTest::newRow("empty name") << QString() << QString() << int(ErrorCode::Usage);
    QTest::newRow("absolute name") << QStringLiteral("/etc/passwd") << QString() << int(ErrorCode::Usage);
    QTest::newRow("dot-dot") << QStringLiteral("../x") << QString() << int(ErrorCode::Usage);
    QTest::newRow("inner dot-dot") << QStringLiteral("a/../../b") << QString() << int(ErrorCode::Usage);
    QTest::newRow("dot") << QStringLiteral("./a") << QString() << int(ErrorCode::Usage);
    QTest::newRow("empty component") << QStringLiteral("a//b") << QString() << int(ErrorCode::Usage);
    QTest::newRow("trailing slash") << QStringLiteral("a/") << QString() << int(ErrorCode::Usage);
    QTest::newRow("directory as file") << QStringLiteral("d") << QStringLiteral("sub") << int(ErrorCode::Usage);
    QTest::newRow("missing file") << QStringLiteral("m") << QStringLiteral("missing") << int(ErrorCode::Failed);
}

void TestArchive::writerRejects()
{
    QFETCH(QString, name);
    QFETCH(QString, localPath);
    QFETCH(int, code);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("sub")));
    const QString bundle = dir.filePath(QStringLiteral("b.tar.gz"));
    ArchiveWriter writer;
    QVERIFY(writer.open(bundle));
    const Status status
        = localPath.isEmpty() ? writer.addData(name, "data") : writer.addFile(name, dir.filePath(localPath));
    QVERIFY(!status);
    QCOMPARE(int(status.error().code), code);
    // The archive is still good: refused entries left no trace.
    QVERIFY(writer.addData(QStringLiteral("ok.txt"), "fine"));
    QVERIFY(writer.close());
    ArchiveReader reader;
    QVERIFY(reader.open(bundle));
    ArchiveEntry entry;
    QVERIFY(*reader.next(entry));
    QCOMPARE(entry.name, QStringLiteral("ok.txt"));
    QCOMPARE(*reader.readAll(100), QByteArray("fine"));
    QVERIFY(!*reader.next(entry));
}

void TestArchive::readerOnDamagedTar()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString bundle = dir.filePath(QStringLiteral("b.tar.gz"));
    ArchiveWriter writer;
    QVERIFY(writer.open(bundle));
    for (int i = 0; i < 4; ++i)
        QVERIFY(writer.addData(QStringLiteral("f%1").arg(i), randomBytes(300000, quint32(i))));
    QVERIFY(writer.close());
    const QByteArray full = fileContent(bundle);

    for (const qint64 cut : { qint64(0), qint64(5), full.size() / 2, full.size() - 10 }) {
        writeFile(bundle, full.left(cut));
        ArchiveReader reader;
        QString error;
        int complete = 0;
        if (auto status = reader.open(bundle); !status) {
            error = status.message();
        } else {
            for (int guard = 0; guard < 100 && error.isEmpty(); ++guard) {
                ArchiveEntry entry;
                auto more = reader.next(entry);
                if (!more) {
                    error = more.message();
                    break;
                }
                if (!*more)
                    break;
                auto data = reader.readAll(1 << 20);
                if (!data)
                    error = data.message();
                else if (*data == randomBytes(300000, quint32(complete)))
                    ++complete;
            }
        }
        QVERIFY2(!error.isEmpty() || (cut == 0 && complete == 0),
            qPrintable(QStringLiteral("cut at %1: no error, %2 entries").arg(cut).arg(complete)));
        QVERIFY(complete < 4);
    }
}

void TestArchive::temporaryNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("expected");
    QTest::newRow("made by create") << QStringLiteral(".inSyncMigration.log.2.gz.1234-0123456789abcdef.tmp") << true;
    QTest::newRow("no dot") << QStringLiteral("inSyncMigration.log.2.gz.1234-0123456789abcdef.tmp") << false;
    QTest::newRow("other file") << QStringLiteral(".inSyncMigration.log.3.gz.1234-0123456789abcdef.tmp") << false;
    QTest::newRow("no pid") << QStringLiteral(".inSyncMigration.log.2.gz.-0123456789abcdef.tmp") << false;
    QTest::newRow("short random") << QStringLiteral(".inSyncMigration.log.2.gz.1234-0123.tmp") << false;
    QTest::newRow("not hex") << QStringLiteral(".inSyncMigration.log.2.gz.1234-0123456789abcdeg.tmp") << false;
    QTest::newRow("not tmp") << QStringLiteral(".inSyncMigration.log.2.gz.1234-0123456789abcdef") << false;
}

void TestArchive::temporaryNames()
{
    QFETCH(QString, name);
    QFETCH(bool, expected);
    QCOMPARE(AtomicFile::isTemporaryNameFor(name, QStringLiteral("inSyncMigration.log.2.gz")), expected);

    // And the names create() really makes are recognised.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    AtomicFile file;
    QVERIFY(file.create(dir.filePath(QStringLiteral("inSyncMigration.log.2.gz"))));
    QVERIFY(AtomicFile::isTemporaryNameFor(
        QFileInfo(file.temporaryPath()).fileName(), QStringLiteral("inSyncMigration.log.2.gz")));
}

QTEST_GUILESS_MAIN(TestArchive)
#include "tst_archive.moc"
