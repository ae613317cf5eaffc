// Content-defined chunking: boundaries respect the size limits, are deterministic, and survive
// an insertion (only chunks near the change differ), which is what makes deduplication work.

#include "storage/chunker.h"
#include "storage/sha256.h"
#include "util/sizes.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <vector>

using namespace pk;

namespace {

std::vector<std::uint8_t> randomBytes(size_t size, quint32 seed)
{
    std::vector<std::uint8_t> data(size + 4);
    QRandomGenerator random(seed);
    random.fillRange(reinterpret_cast<quint32*>(data.data()), static_cast<qsizetype>(data.size() / 4));
    data.resize(size);
    return data;
}

// Splits a whole buffer the way the backup does, feeding at most bufferSize bytes at a time.
QList<size_t> split(const Chunker& chunker, const std::vector<std::uint8_t>& data)
{
    QList<size_t> cuts;
    size_t offset = 0;
    while (offset < data.size()) {
        const size_t available = std::min(data.size() - offset, 2 * Chunker::maxChunkSize);
        const size_t cut = chunker.nextCut(data.data() + offset, available);
        cuts.append(cut);
        offset += cut;
    }
    return cuts;
}

QSet<Digest> chunkHashes(const std::vector<std::uint8_t>& data, const QList<size_t>& cuts)
{
    QSet<Digest> hashes;
    size_t offset = 0;
    for (size_t cut : cuts) {
        hashes.insert(Sha256::hash(data.data() + offset, cut));
        offset += cut;
    }
    return hashes;
}

} // namespace

class TestChunker : public QObject
{
    Q_OBJECT
private slots:
    void limits_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::newRow("empty") << qint64(0);
        QTest::newRow("one byte") << qint64(1);
        QTest::newRow("below min") << qint64(100 * KiB);
        QTest::newRow("exactly min") << qint64(256 * KiB);
        QTest::newRow("exactly max") << qint64(4 * MiB);
        QTest::newRow("max plus one") << qint64(4 * MiB + 1);
        QTest::newRow("30 MiB") << qint64(30 * MiB + 17);
    }
    void limits()
    {
        QFETCH(qint64, size);
        const Chunker chunker;
        const auto data = randomBytes(static_cast<size_t>(size), 7);
        const QList<size_t> cuts = split(chunker, data);
        size_t total = 0;
        for (qsizetype i = 0; i < cuts.size(); ++i) {
            QVERIFY(cuts.at(i) > 0);
            QVERIFY(cuts.at(i) <= chunker.params().maxSize);
            if (i + 1 < cuts.size())
                QVERIFY2(cuts.at(i) >= chunker.params().minSize, "only the last chunk may be shorter than the minimum");
            total += cuts.at(i);
        }
        QCOMPARE(total, static_cast<size_t>(size));
    }

    void zerosHitTheMaximum()
    {
        // Constant data never matches the mask: chunks are cut at the maximum size.
        const Chunker chunker;
        const std::vector<std::uint8_t> zeros(10 * MiB, 0);
        const QList<size_t> cuts = split(chunker, zeros);
        QCOMPARE(cuts.size(), 3);
        QCOMPARE(cuts.at(0), Chunker::maxChunkSize);
        QCOMPARE(cuts.at(1), Chunker::maxChunkSize);
    }

    void deterministic()
    {
        const auto data = randomBytes(12 * MiB, 3);
        QCOMPARE(split(Chunker(), data), split(Chunker(), data));
    }

    void averageNearTarget()
    {
        const Chunker chunker;
        const auto data = randomBytes(64 * MiB, 11);
        const QList<size_t> cuts = split(chunker, data);
        const double average = static_cast<double>(data.size()) / static_cast<double>(cuts.size());
        QVERIFY2(average > 0.6 * MiB && average < 1.8 * MiB, qPrintable(QString::number(average)));
    }

    void insertionShiftsFewChunks_data()
    {
        QTest::addColumn<int>("offset");
        QTest::addColumn<int>("inserted");
        QTest::newRow("near start") << 1000 << 100;
        QTest::newRow("middle") << 10 * MiB << 1;
        QTest::newRow("big insert") << 5 * MiB << 70000;
    }
    void insertionShiftsFewChunks()
    {
        QFETCH(int, offset);
        QFETCH(int, inserted);
        const Chunker chunker;
        const auto original = randomBytes(24 * MiB, 5);
        auto changed = original;
        const auto extra = randomBytes(static_cast<size_t>(inserted), 99);
        changed.insert(changed.begin() + offset, extra.begin(), extra.end());
        const QSet<Digest> before = chunkHashes(original, split(chunker, original));
        const QSet<Digest> after = chunkHashes(changed, split(chunker, changed));
        const qsizetype shared = QSet<Digest>(before).intersect(after).size();
        // Only the chunks around the insertion may change.
        QVERIFY2(before.size() - shared <= 3,
            qPrintable(QStringLiteral("%1 of %2 chunks changed").arg(before.size() - shared).arg(before.size())));
    }

    void sha256KnownAnswer()
    {
        const QByteArray abc("abc");
        QCOMPARE(Sha256::hash(abc.constData(), 3).hex(),
            QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        Sha256 incremental;
        incremental.update("a", 1);
        incremental.update("bc", 2);
        QCOMPARE(incremental.finish(), Sha256::hash(abc.constData(), 3));
        QCOMPARE(Digest::fromHex(QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")),
            Sha256::hash("abc", 3));
        QVERIFY(!Digest::fromHex(QStringLiteral("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")));
        QVERIFY(!Digest::fromHex(QStringLiteral("xyz")));
    }
};

QTEST_GUILESS_MAIN(TestChunker)
#include "tst_chunker.moc"
