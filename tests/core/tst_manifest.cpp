// Manifests: paths can never escape the restore target, names that are not UTF-8 survive, and a
// corrupt or hostile manifest is refused with a message instead of being half-used.

#include "storage/manifest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace pk;

namespace {

Manifest sampleManifest()
{
    Manifest manifest;
    manifest.snapshotId = QStringLiteral("20261124-101502-123-abcdef");
    manifest.userName = QStringLiteral("Zoë Smith");
    manifest.userUuid = QStringLiteral("b5d8c3b0-0000-4000-8000-000000000001");
    manifest.createdMs = 1764000000123;
    manifest.sourcePath = QStringLiteral("/home/zoe");
    ManifestEntry dir;
    dir.type = ManifestEntry::Type::Directory;
    dir.path = "docs";
    dir.mode = 0750;
    dir.mtimeNs = 1500000000123456789LL;
    ManifestEntry file;
    file.type = ManifestEntry::Type::File;
    file.path = "docs/r\xc3\xa9sum\xc3\xa9 2026.txt";
    file.mode = 0644;
    file.mtimeNs = 1500000001000000001LL;
    file.size = 7;
    file.chunks.append({ Sha256::hash("a", 1), 3 });
    file.chunks.append({ Sha256::hash("b", 1), 4 });
    ManifestEntry latin1;
    latin1.type = ManifestEntry::Type::File;
    latin1.path = "docs/caf\xe9"; // not UTF-8
    latin1.mode = 0600;
    ManifestEntry link;
    link.type = ManifestEntry::Type::Symlink;
    link.path = "docs/link";
    link.linkTarget = "../elsewhere/\xff";
    // Format 2: owners, attributes, holes, hard links and special files.
    file.owner = Ownership { 1000, 100, "zoe", "users" };
    file.xattrs = { { "user.comment", "hi" }, { "system.posix_acl_access", QByteArray("\x02\0\0\0\x01\0\x06\0", 8) } };
    ManifestEntry sparse;
    sparse.type = ManifestEntry::Type::File;
    sparse.path = "disk.img";
    sparse.mode = 0600;
    sparse.size = 10000;
    sparse.holes = { { 0, 4096 }, { 8192, 1808 } };
    sparse.chunks.append({ Sha256::hash("c", 1), 4096 });
    sparse.changing = true;
    ManifestEntry hardLink;
    hardLink.type = ManifestEntry::Type::HardLink;
    hardLink.path = "docs/same";
    hardLink.linkTarget = file.path;
    ManifestEntry fifo;
    fifo.type = ManifestEntry::Type::Fifo;
    fifo.path = "pipe";
    fifo.mode = 0620;
    fifo.owner = Ownership { 0, 5, {}, "tty" };
    ManifestEntry device;
    device.type = ManifestEntry::Type::CharDevice;
    device.path = "null";
    device.mode = 0666;
    device.rdev = 259;
    manifest.entries = { dir, file, latin1, link, sparse, hardLink, fifo, device };
    return manifest;
}

QJsonObject sampleObject()
{
    return QJsonDocument::fromJson(sampleManifest().toJson()).object();
}

} // namespace

class TestManifest : public QObject
{
    Q_OBJECT
private slots:
    void safePaths_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("safe");
        QTest::newRow("simple") << QByteArray("a") << true;
        QTest::newRow("nested") << QByteArray("a/b/c.txt") << true;
        QTest::newRow("dots in name") << QByteArray("a/..b/c..") << true;
        QTest::newRow("unicode") << QByteArray("d\xc3\xa9j\xc3\xa0/vu") << true;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("absolute") << QByteArray("/etc/passwd") << false;
        QTest::newRow("parent") << QByteArray("..") << false;
        QTest::newRow("parent inside") << QByteArray("a/../../b") << false;
        QTest::newRow("dot") << QByteArray("a/./b") << false;
        QTest::newRow("double slash") << QByteArray("a//b") << false;
        QTest::newRow("trailing slash") << QByteArray("a/") << false;
        QTest::newRow("nul") << QByteArray("a\0b", 3) << false;
        QTest::newRow("too long") << QByteArray(5000, 'x') << false;
    }
    void safePaths()
    {
        QFETCH(QByteArray, path);
        QFETCH(bool, safe);
        QCOMPARE(isSafeRelativePath(path), safe);
    }

    void roundTrip()
    {
        const Manifest original = sampleManifest();
        auto parsed = Manifest::fromJson(original.toJson(), QStringLiteral("test"));
        QVERIFY2(parsed, qPrintable(parsed.message()));
        QCOMPARE(parsed->snapshotId, original.snapshotId);
        QCOMPARE(parsed->userName, original.userName);
        QCOMPARE(parsed->createdMs, original.createdMs);
        QCOMPARE(parsed->entries.size(), original.entries.size());
        for (qsizetype i = 0; i < original.entries.size(); ++i) {
            const ManifestEntry& a = original.entries.at(i);
            const ManifestEntry& b = parsed->entries.at(i);
            QCOMPARE(b.path, a.path);
            QVERIFY(b.type == a.type);
            QCOMPARE(b.mode, a.mode);
            QCOMPARE(b.mtimeNs, a.mtimeNs);
            QCOMPARE(b.size, a.size);
            QVERIFY(b.chunks == a.chunks);
            QCOMPARE(b.linkTarget, a.linkTarget);
            QVERIFY(b.holes == a.holes);
            QVERIFY(b.owner == a.owner);
            QVERIFY(b.xattrs == a.xattrs);
            QCOMPARE(b.rdev, a.rdev);
            QCOMPARE(b.changing, a.changing);
        }
        QCOMPARE(parsed->fileCount(), 3);
        QCOMPARE(parsed->logicalBytes(), 10007);
        QCOMPARE(parsed->changingFiles(), 1);
        QCOMPARE(parsed->entries.at(4).dataBytes(), 4096);
    }

    // Snapshots written before format 2 are still read, and restored as they always were.
    void readsFormatOne()
    {
        const QByteArray json
            = R"({"format":1,"snapshot":"20261124-101502-123-abcdef","user":"zoe","user_uuid":"u",)"
              R"("created_ms":1,"source":"/home/zoe","entries":[{"type":"dir","path":"d","mode":493,)"
              R"("mtime_ns":"5"},{"type":"symlink","path":"d/l","mode":511,"mtime_ns":"6","target":"x"}]})";
        auto parsed = Manifest::fromJson(json, QStringLiteral("old"));
        QVERIFY2(parsed, qPrintable(parsed.message()));
        QCOMPARE(parsed->format, 1);
        QCOMPARE(parsed->entries.size(), 2);
        QVERIFY(!parsed->entries.at(0).owner);
        QVERIFY(parsed->entries.at(0).xattrs.isEmpty());
    }

    void pathsStartingWithAByteOrderMarkKeepIt()
    {
        // Qt's decoders drop a leading U+FEFF: a file so named must keep its name (and not
        // collide with the same name without it).
        Manifest manifest = sampleManifest();
        ManifestEntry bom = manifest.entries.constFirst();
        bom.path = QByteArray("\xEF\xBB\xBF") + manifest.entries.constFirst().path;
        manifest.entries.append(bom);
        auto parsed = Manifest::fromJson(manifest.toJson(), QStringLiteral("test"));
        QVERIFY2(parsed, qPrintable(parsed.message()));
        QCOMPARE(parsed->entries.constLast().path, bom.path);
    }

    void corruptManifests_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        const QByteArray good = sampleManifest().toJson();
        QTest::newRow("truncated") << good.left(good.size() / 2) << "corrupt";
        QTest::newRow("empty") << QByteArray() << "corrupt";
        QTest::newRow("array") << QByteArray("[1,2]") << "not a JSON object";
        QTest::newRow("garbage") << QByteArray("\x00\x01\x02garbage", 10) << "corrupt";

        auto variant = [](const std::function<void(QJsonObject&)>& change) {
            QJsonObject root = sampleObject();
            change(root);
            return QJsonDocument(root).toJson();
        };
        auto entryVariant = [&](int index, const std::function<void(QJsonObject&)>& change) {
            return variant([&](QJsonObject& root) {
                QJsonArray entries = root.value(QLatin1String("entries")).toArray();
                QJsonObject entry = entries.at(index).toObject();
                change(entry);
                entries[index] = entry;
                root.insert(QLatin1String("entries"), entries);
            });
        };
        QTest::newRow("parent path") << entryVariant(1, [](QJsonObject& e) {
            e.insert(QLatin1String("path"), QStringLiteral("../../etc/cron.d/x"));
        }) << "unsafe path";
        QTest::newRow("absolute path") << entryVariant(0, [](QJsonObject& e) {
            e.insert(QLatin1String("path"), QStringLiteral("/etc"));
        }) << "unsafe path";
        QTest::newRow("no path") << entryVariant(0, [](QJsonObject& e) { e.remove(QLatin1String("path")); })
                                 << "no path";
        QTest::newRow("unknown type") << entryVariant(0, [](QJsonObject& e) {
            e.insert(QLatin1String("type"), QStringLiteral("device"));
        }) << "unknown type";
        QTest::newRow("bad mode") << entryVariant(0, [](QJsonObject& e) { e.insert(QLatin1String("mode"), 999999); })
                                  << "invalid mode";
        QTest::newRow("sizes disagree") << entryVariant(1, [](QJsonObject& e) { e.insert(QLatin1String("size"), 8); })
                                        << "its chunks hold";
        QTest::newRow("bad hash") << entryVariant(1, [](QJsonObject& e) {
            e.insert(QLatin1String("chunks"), QJsonArray { QJsonArray { QStringLiteral("zz"), 7 } });
        }) << "invalid chunk reference";
        QTest::newRow("chunk too big") << entryVariant(1, [](QJsonObject& e) {
            e.insert(QLatin1String("size"), 5 * 1024 * 1024);
            e.insert(
                QLatin1String("chunks"), QJsonArray { QJsonArray { Sha256::hash("a", 1).hex(), 5 * 1024 * 1024 } });
        }) << "invalid chunk reference";
        QTest::newRow("symlink without target")
            << entryVariant(3, [](QJsonObject& e) { e.remove(QLatin1String("target_b64")); }) << "no valid target";
        QTest::newRow("duplicate path") << entryVariant(2, [](QJsonObject& e) {
            e.remove(QLatin1String("path_b64"));
            e.insert(QLatin1String("path"), QStringLiteral("docs"));
        }) << "appears twice";
        QTest::newRow("uid out of range")
            << entryVariant(1, [](QJsonObject& e) { e.insert(QLatin1String("uid"), 4294967295LL); }) << "invalid owner";
        QTest::newRow("negative gid") << entryVariant(1, [](QJsonObject& e) { e.insert(QLatin1String("gid"), -1); })
                                      << "invalid owner";
        QTest::newRow("gid without uid") << entryVariant(6, [](QJsonObject& e) { e.remove(QLatin1String("uid")); })
                                         << "invalid owner";
        QTest::newRow("owner name with NUL") << entryVariant(1, [](QJsonObject& e) {
            e.remove(QLatin1String("owner"));
            e.insert(QLatin1String("owner_b64"), QString::fromLatin1(QByteArray("a\0b", 3).toBase64()));
        }) << "invalid owner";
        auto withAttribute = [&](const QByteArray& name) {
            return entryVariant(1, [name](QJsonObject& e) {
                e.insert(QLatin1String("xattrs"),
                    QJsonArray { QJsonObject { { QStringLiteral("name_b64"), QString::fromLatin1(name.toBase64()) },
                        { QStringLiteral("value"), QStringLiteral("aGk=") } } });
            });
        };
        QTest::newRow("attribute name with NUL") << withAttribute(QByteArray("user.a\0b", 8)) << "extended attribute";
        QTest::newRow("attribute name too long")
            << withAttribute("user." + QByteArray(300, 'x')) << "extended attribute";
        QTest::newRow("attribute of another namespace") << withAttribute("security.selinux") << "extended attribute";
        QTest::newRow("attribute value not base64") << entryVariant(1, [](QJsonObject& e) {
            e.insert(QLatin1String("xattrs"),
                QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("user.a") },
                    { QStringLiteral("value"), QStringLiteral("*not*") } } });
        }) << "extended attribute";
        QTest::newRow("attribute twice") << entryVariant(1, [](QJsonObject& e) {
            const QJsonObject one { { QStringLiteral("name"), QStringLiteral("user.a") },
                { QStringLiteral("value"), QStringLiteral("aGk=") } };
            e.insert(QLatin1String("xattrs"), QJsonArray { one, one });
        }) << "extended attribute";
        QTest::newRow("hard link outside the snapshot") << entryVariant(5, [](QJsonObject& e) {
            e.insert(QLatin1String("target"), QStringLiteral("../../etc/shadow"));
        }) << "does not name a file";
        QTest::newRow("hard link to a directory")
            << entryVariant(5, [](QJsonObject& e) { e.insert(QLatin1String("target"), QStringLiteral("docs")); })
            << "does not name a file";
        QTest::newRow("hard link to a later file")
            << entryVariant(5, [](QJsonObject& e) { e.insert(QLatin1String("target"), QStringLiteral("pipe")); })
            << "does not name a file";
        QTest::newRow("hard link to itself")
            << entryVariant(5, [](QJsonObject& e) { e.insert(QLatin1String("target"), QStringLiteral("docs/same")); })
            << "does not name a file";
        QTest::newRow("holes overlap") << entryVariant(4, [](QJsonObject& e) {
            e.insert(QLatin1String("holes"), QJsonArray { QJsonArray { 0, 4096 }, QJsonArray { 4000, 1904 } });
        }) << "holes";
        QTest::newRow("hole past the end") << entryVariant(4, [](QJsonObject& e) {
            e.insert(QLatin1String("holes"), QJsonArray { QJsonArray { 0, 4096 }, QJsonArray { 8192, 5000 } });
        }) << "holes";
        QTest::newRow("empty hole") << entryVariant(4, [](QJsonObject& e) {
            QJsonArray holes; // one element: braces alone would copy the inner array
            holes.append(QJsonArray { 0, 0 });
            e.insert(QLatin1String("holes"), holes);
        }) << "holes";
        QTest::newRow("holes and chunks disagree") << entryVariant(4, [](QJsonObject& e) {
            QJsonArray holes;
            holes.append(QJsonArray { 0, 4096 });
            e.insert(QLatin1String("holes"), holes);
        }) << "its chunks hold";
        QTest::newRow("device without number")
            << entryVariant(7, [](QJsonObject& e) { e.remove(QLatin1String("rdev")); }) << "device number";
        QTest::newRow("hard link in format 1")
            << variant([](QJsonObject& r) { r.insert(QLatin1String("format"), 1); }) << "unknown type";
        QTest::newRow("bad snapshot id") << variant([](QJsonObject& r) {
            r.insert(QLatin1String("snapshot"), QStringLiteral("../x"));
        }) << "invalid snapshot id";
        QTest::newRow("newer format") << variant([](QJsonObject& r) { r.insert(QLatin1String("format"), 99); })
                                      << "upgrade Poolkeeper";
        QTest::newRow("no entries") << variant([](QJsonObject& r) { r.remove(QLatin1String("entries")); })
                                    << "no entry list";
    }
    void corruptManifests()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        auto parsed = Manifest::fromJson(json, QStringLiteral("snap.json"));
        QVERIFY(!parsed);
        QVERIFY2(parsed.message().contains(expected), qPrintable(parsed.message()));
        QVERIFY(parsed.message().contains(QLatin1String("snap.json")));
    }

    void snapshotIds()
    {
        const QString id = newSnapshotId(1764000000123);
        QVERIFY(id.startsWith(QLatin1String("20251124-")));
        QVERIFY(isValidSnapshotId(id));
        QVERIFY(!isValidSnapshotId(QStringLiteral("../evil")));
        QVERIFY(!isValidSnapshotId(QStringLiteral("a/b")));
        QVERIFY(!isValidSnapshotId(QString()));
        QVERIFY(newSnapshotId(1) < newSnapshotId(2000000000000));
    }
};

QTEST_GUILESS_MAIN(TestManifest)
#include "tst_manifest.moc"
