#include "manifest.h"

#include "chunker.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QStringDecoder>

#include <algorithm>

namespace pk {

namespace {

constexpr qsizetype maxPathBytes = 4096;

std::optional<QString> strictUtf8(const QByteArray& bytes)
{
    // A leading U+FEFF (a UTF-8 BOM) would be dropped, here and by QJsonDocument::fromJson in a
    // string: such names are not text for us (base64 in manifests, escaped in messages).
    if (bytes.startsWith("\xEF\xBB\xBF"))
        return std::nullopt;
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

// Names that are not UTF-8 survive the round trip through base64.
void putBytes(QJsonObject& object, const QString& key, const QByteArray& bytes)
{
    if (auto text = strictUtf8(bytes))
        object.insert(key, *text);
    else
        object.insert(key + QLatin1String("_b64"), QString::fromLatin1(bytes.toBase64()));
}

std::optional<QByteArray> getBytes(const QJsonObject& object, const QString& key)
{
    const QJsonValue text = object.value(key);
    if (text.isString())
        return text.toString().toUtf8();
    const QJsonValue encoded = object.value(key + QLatin1String("_b64"));
    if (encoded.isString()) {
        auto decoded
            = QByteArray::fromBase64Encoding(encoded.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (decoded)
            return *decoded;
    }
    return std::nullopt;
}

QString typeName(ManifestEntry::Type type)
{
    switch (type) {
    case ManifestEntry::Type::File:
        return QStringLiteral("file");
    case ManifestEntry::Type::Directory:
        return QStringLiteral("dir");
    case ManifestEntry::Type::Symlink:
        return QStringLiteral("symlink");
    }
    return {};
}

} // namespace

bool isSafeRelativePath(const QByteArray& path)
{
    if (path.isEmpty() || path.size() > maxPathBytes || path.startsWith('/') || path.contains('\0'))
        return false;
    for (const QByteArray& component : path.split('/')) {
        if (component.isEmpty() || component == "." || component == "..")
            return false;
    }
    return true;
}

bool isValidSnapshotId(const QString& id)
{
    static const QRegularExpression re(QStringLiteral("^[0-9A-Za-z][0-9A-Za-z_.-]{0,127}$"));
    return re.match(id).hasMatch() && !id.contains(QLatin1String(".."));
}

QString newSnapshotId(qint64 createdMs)
{
    // Sortable by time; the random tail keeps two snapshots in the same millisecond apart.
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(createdMs, Qt::UTC);
    return time.toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")) + u'-'
        + QStringLiteral("%1").arg(QRandomGenerator::global()->bounded(0x1000000), 6, 16, QLatin1Char('0'));
}

QString displayPath(const QByteArray& path)
{
    if (auto text = strictUtf8(path))
        return *text;
    QString escaped;
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x80 && byte >= 0x20)
            escaped += QLatin1Char(c);
        else
            escaped += QStringLiteral("\\x%1").arg(byte, 2, 16, QLatin1Char('0'));
    }
    return escaped;
}

qint64 Manifest::fileCount() const
{
    return std::count_if(
        entries.cbegin(), entries.cend(), [](const ManifestEntry& e) { return e.type == ManifestEntry::Type::File; });
}

qint64 Manifest::logicalBytes() const
{
    qint64 total = 0;
    for (const ManifestEntry& entry : entries)
        total += entry.size;
    return total;
}

QByteArray Manifest::toJson() const
{
    QJsonArray array;
    for (const ManifestEntry& entry : entries) {
        QJsonObject object;
        object.insert(QLatin1String("type"), typeName(entry.type));
        putBytes(object, QStringLiteral("path"), entry.path);
        object.insert(QLatin1String("mode"), static_cast<qint64>(entry.mode));
        object.insert(QLatin1String("mtime_ns"), QString::number(entry.mtimeNs)); // JSON doubles lose nanoseconds
        if (entry.type == ManifestEntry::Type::File) {
            object.insert(QLatin1String("size"), entry.size);
            QJsonArray chunks;
            for (const ChunkRef& chunk : entry.chunks)
                chunks.append(QJsonArray { chunk.hash.hex(), static_cast<qint64>(chunk.size) });
            object.insert(QLatin1String("chunks"), chunks);
        } else if (entry.type == ManifestEntry::Type::Symlink) {
            putBytes(object, QStringLiteral("target"), entry.linkTarget);
        }
        array.append(object);
    }
    QJsonObject root;
    root.insert(QLatin1String("format"), format);
    root.insert(QLatin1String("snapshot"), snapshotId);
    root.insert(QLatin1String("user"), userName);
    root.insert(QLatin1String("user_uuid"), userUuid);
    root.insert(QLatin1String("created_ms"), createdMs);
    root.insert(QLatin1String("source"), sourcePath);
    root.insert(QLatin1String("files"), fileCount());
    root.insert(QLatin1String("bytes"), logicalBytes());
    root.insert(QLatin1String("entries"), array);
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

Result<Manifest> Manifest::fromJson(const QByteArray& json, const QString& where)
{
    auto corrupt = [&where](const QString& why) {
        return failed(QStringLiteral("manifest '%1' is corrupt: %2").arg(where, why));
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return corrupt(QStringLiteral("%1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return corrupt(QStringLiteral("not a JSON object"));
    const QJsonObject root = document.object();
    Manifest manifest;
    manifest.format = root.value(QLatin1String("format")).toInt(0);
    if (manifest.format > formatVersion)
        return failed(
            QStringLiteral("manifest '%1' has format %2, newer than this Poolkeeper reads (%3): upgrade Poolkeeper")
                .arg(where)
                .arg(manifest.format)
                .arg(formatVersion));
    if (manifest.format < 1)
        return corrupt(QStringLiteral("missing format version"));
    manifest.snapshotId = root.value(QLatin1String("snapshot")).toString();
    if (!isValidSnapshotId(manifest.snapshotId))
        return corrupt(QStringLiteral("invalid snapshot id"));
    manifest.userName = root.value(QLatin1String("user")).toString();
    manifest.userUuid = root.value(QLatin1String("user_uuid")).toString();
    manifest.createdMs = root.value(QLatin1String("created_ms")).toInteger();
    manifest.sourcePath = root.value(QLatin1String("source")).toString();
    const QJsonValue entriesValue = root.value(QLatin1String("entries"));
    if (!entriesValue.isArray())
        return corrupt(QStringLiteral("no entry list"));
    const QJsonArray entries = entriesValue.toArray();
    manifest.entries.reserve(entries.size());
    QSet<QByteArray> seen;
    seen.reserve(entries.size());
    for (qsizetype index = 0; index < entries.size(); ++index) {
        const QJsonObject object = entries.at(index).toObject();
        ManifestEntry entry;
        const QString type = object.value(QLatin1String("type")).toString();
        if (type == QLatin1String("file"))
            entry.type = ManifestEntry::Type::File;
        else if (type == QLatin1String("dir"))
            entry.type = ManifestEntry::Type::Directory;
        else if (type == QLatin1String("symlink"))
            entry.type = ManifestEntry::Type::Symlink;
        else
            return corrupt(QStringLiteral("entry %1 has an unknown type").arg(index));
        auto path = getBytes(object, QStringLiteral("path"));
        if (!path)
            return corrupt(QStringLiteral("entry %1 has no path").arg(index));
        if (!isSafeRelativePath(*path))
            return corrupt(QStringLiteral("entry %1 has an unsafe path '%2' (absolute, empty or with '..')")
                               .arg(index)
                               .arg(displayPath(*path)));
        if (seen.contains(*path))
            return corrupt(QStringLiteral("path '%1' appears twice").arg(displayPath(*path)));
        seen.insert(*path);
        entry.path = *path;
        const qint64 mode = object.value(QLatin1String("mode")).toInteger(-1);
        if (mode < 0 || mode > 07777)
            return corrupt(QStringLiteral("entry '%1' has an invalid mode").arg(displayPath(entry.path)));
        entry.mode = static_cast<quint32>(mode);
        bool mtimeOk = false;
        entry.mtimeNs = object.value(QLatin1String("mtime_ns")).toString().toLongLong(&mtimeOk);
        if (!mtimeOk)
            return corrupt(QStringLiteral("entry '%1' has an invalid mtime").arg(displayPath(entry.path)));
        if (entry.type == ManifestEntry::Type::File) {
            entry.size = object.value(QLatin1String("size")).toInteger(-1);
            if (entry.size < 0)
                return corrupt(QStringLiteral("file '%1' has an invalid size").arg(displayPath(entry.path)));
            const QJsonArray chunks = object.value(QLatin1String("chunks")).toArray();
            qint64 sum = 0;
            entry.chunks.reserve(chunks.size());
            for (const auto& chunkValue : chunks) {
                const QJsonArray pair = chunkValue.toArray();
                const auto digest = pair.size() == 2 ? Digest::fromHex(pair.at(0).toString()) : std::nullopt;
                const qint64 size = pair.size() == 2 ? pair.at(1).toInteger(-1) : -1;
                if (!digest || size <= 0 || size > static_cast<qint64>(Chunker::maxChunkSize))
                    return corrupt(
                        QStringLiteral("file '%1' has an invalid chunk reference").arg(displayPath(entry.path)));
                entry.chunks.append(ChunkRef { *digest, static_cast<quint32>(size) });
                sum += size;
            }
            if (sum != entry.size)
                return corrupt(QStringLiteral("file '%1': its chunks hold %2 bytes, its size is %3")
                                   .arg(displayPath(entry.path))
                                   .arg(sum)
                                   .arg(entry.size));
        } else if (entry.type == ManifestEntry::Type::Symlink) {
            auto target = getBytes(object, QStringLiteral("target"));
            if (!target || target->isEmpty() || target->contains('\0'))
                return corrupt(QStringLiteral("symlink '%1' has no valid target").arg(displayPath(entry.path)));
            entry.linkTarget = *target;
        }
        manifest.entries.append(std::move(entry));
    }
    return manifest;
}

} // namespace pk
