#include "manifest.h"

#include "chunker.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStringDecoder>

#include <algorithm>
#include <cstring>

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

constexpr qsizetype maxOwnerNameBytes = 256;
constexpr qsizetype maxAttributeNameBytes = 255; // XATTR_NAME_MAX
constexpr qsizetype maxAttributeValueBytes = 65536; // XATTR_SIZE_MAX
constexpr qint64 maxId = 0xfffffffeLL; // (uid_t)-1 means "unchanged" to chown

struct TypeName
{
    ManifestEntry::Type type;
    QLatin1String name;
};
constexpr TypeName typeNames[] = {
    { ManifestEntry::Type::File, QLatin1String("file") },
    { ManifestEntry::Type::Directory, QLatin1String("dir") },
    { ManifestEntry::Type::Symlink, QLatin1String("symlink") },
    { ManifestEntry::Type::HardLink, QLatin1String("hardlink") },
    { ManifestEntry::Type::Fifo, QLatin1String("fifo") },
    { ManifestEntry::Type::Socket, QLatin1String("socket") },
    { ManifestEntry::Type::CharDevice, QLatin1String("chardev") },
    { ManifestEntry::Type::BlockDevice, QLatin1String("blockdev") },
};

QString typeName(ManifestEntry::Type type)
{
    for (const TypeName& known : typeNames) {
        if (known.type == type)
            return known.name;
    }
    return {};
}

std::optional<ManifestEntry::Type> typeFromName(const QString& name)
{
    for (const TypeName& known : typeNames) {
        if (known.name == name)
            return known.type;
    }
    return std::nullopt;
}

std::optional<qint64> idValue(const QJsonValue& value)
{
    const qint64 id = value.isDouble() ? value.toInteger(-1) : -1;
    if (id < 0 || id > maxId)
        return std::nullopt;
    return id;
}

bool isValidOwnerName(const QByteArray& name)
{
    return name.size() <= maxOwnerNameBytes && !name.contains('\0');
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

bool isKeptAttributeName(const QByteArray& name)
{
    if (name.size() > maxAttributeNameBytes || name.contains('\0'))
        return false;
    if (name == "security.capability" || name == "system.posix_acl_access" || name == "system.posix_acl_default")
        return true;
    for (const char* prefix : { "user.", "trusted." }) {
        if (name.startsWith(prefix) && name.size() > qsizetype(std::strlen(prefix)))
            return true;
    }
    return false;
}

qint64 ManifestEntry::dataBytes() const
{
    qint64 holeBytes = 0;
    for (const Hole& hole : holes)
        holeBytes += hole.length;
    return size - holeBytes;
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

qint64 Manifest::changingFiles() const
{
    return std::count_if(entries.cbegin(), entries.cend(), [](const ManifestEntry& e) { return e.changing; });
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
            if (!entry.holes.isEmpty()) {
                QJsonArray holes;
                for (const Hole& hole : entry.holes)
                    holes.append(QJsonArray { hole.offset, hole.length });
                object.insert(QLatin1String("holes"), holes);
            }
            if (entry.changing)
                object.insert(QLatin1String("changing"), true);
        } else if (entry.type == ManifestEntry::Type::Symlink || entry.type == ManifestEntry::Type::HardLink) {
            putBytes(object, QStringLiteral("target"), entry.linkTarget);
        } else if (entry.type == ManifestEntry::Type::CharDevice || entry.type == ManifestEntry::Type::BlockDevice) {
            object.insert(QLatin1String("rdev"), QString::number(entry.rdev));
        }
        if (entry.owner) {
            object.insert(QLatin1String("uid"), static_cast<qint64>(entry.owner->uid));
            object.insert(QLatin1String("gid"), static_cast<qint64>(entry.owner->gid));
            if (!entry.owner->userName.isEmpty())
                putBytes(object, QStringLiteral("owner"), entry.owner->userName);
            if (!entry.owner->groupName.isEmpty())
                putBytes(object, QStringLiteral("group"), entry.owner->groupName);
        }
        if (!entry.xattrs.isEmpty()) {
            QJsonArray xattrs;
            for (const ExtendedAttribute& attribute : entry.xattrs) {
                QJsonObject pair;
                putBytes(pair, QStringLiteral("name"), attribute.name);
                pair.insert(QLatin1String("value"), QString::fromLatin1(attribute.value.toBase64()));
                xattrs.append(pair);
            }
            object.insert(QLatin1String("xattrs"), xattrs);
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
    if (const qint64 changing = changingFiles(); changing > 0)
        root.insert(QLatin1String("changing_files"), changing);
    root.insert(QLatin1String("entries"), array);
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

namespace {

Status parseHoles(const QJsonObject& object, ManifestEntry& entry)
{
    const QJsonValue value = object.value(QLatin1String("holes"));
    if (value.isUndefined())
        return {};
    auto invalid = [&entry] {
        return failed(QStringLiteral("file '%1' has holes that overlap, are empty or run past its end")
                          .arg(displayPath(entry.path)));
    };
    if (!value.isArray())
        return invalid();
    qint64 end = 0;
    const QJsonArray holes = value.toArray();
    for (const auto& holeValue : holes) {
        const QJsonArray pair = holeValue.toArray();
        const qint64 offset = pair.size() == 2 && pair.at(0).isDouble() ? pair.at(0).toInteger(-1) : -1;
        const qint64 length = pair.size() == 2 && pair.at(1).isDouble() ? pair.at(1).toInteger(-1) : -1;
        if (offset < end || length <= 0 || length > entry.size || offset > entry.size - length)
            return invalid();
        entry.holes.append(Hole { offset, length });
        end = offset + length;
    }
    return {};
}

Status parseOwnerAndAttributes(const QJsonObject& object, ManifestEntry& entry)
{
    const QJsonValue uid = object.value(QLatin1String("uid"));
    const QJsonValue gid = object.value(QLatin1String("gid"));
    if (!uid.isUndefined() || !gid.isUndefined()) {
        const auto uidValue = idValue(uid);
        const auto gidValue = idValue(gid);
        const QByteArray userName = getBytes(object, QStringLiteral("owner")).value_or(QByteArray());
        const QByteArray groupName = getBytes(object, QStringLiteral("group")).value_or(QByteArray());
        if (!uidValue || !gidValue || !isValidOwnerName(userName) || !isValidOwnerName(groupName))
            return failed(QStringLiteral("entry '%1' has an invalid owner or group").arg(displayPath(entry.path)));
        entry.owner
            = Ownership { static_cast<quint32>(*uidValue), static_cast<quint32>(*gidValue), userName, groupName };
    }
    const QJsonValue xattrs = object.value(QLatin1String("xattrs"));
    if (xattrs.isUndefined())
        return {};
    auto invalid = [&entry] {
        return failed(QStringLiteral("entry '%1' has an invalid extended attribute").arg(displayPath(entry.path)));
    };
    if (!xattrs.isArray())
        return invalid();
    const QJsonArray pairs = xattrs.toArray();
    for (const auto& pairValue : pairs) {
        const QJsonObject pair = pairValue.toObject();
        const auto name = getBytes(pair, QStringLiteral("name"));
        const auto value = QByteArray::fromBase64Encoding(
            pair.value(QLatin1String("value")).toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!name || !isKeptAttributeName(*name) || !pair.value(QLatin1String("value")).isString() || !value
            || value.decoded.size() > maxAttributeValueBytes)
            return invalid();
        for (const ExtendedAttribute& earlier : std::as_const(entry.xattrs)) {
            if (earlier.name == *name)
                return invalid();
        }
        entry.xattrs.append(ExtendedAttribute { *name, value.decoded });
    }
    return {};
}

} // namespace

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
    QHash<QByteArray, ManifestEntry::Type> seen; // the hard links' targets must come first
    seen.reserve(entries.size());
    for (qsizetype index = 0; index < entries.size(); ++index) {
        const QJsonObject object = entries.at(index).toObject();
        ManifestEntry entry;
        const auto type = typeFromName(object.value(QLatin1String("type")).toString());
        if (!type || (manifest.format < 2 && *type > ManifestEntry::Type::Symlink))
            return corrupt(QStringLiteral("entry %1 has an unknown type").arg(index));
        entry.type = *type;
        auto path = getBytes(object, QStringLiteral("path"));
        if (!path)
            return corrupt(QStringLiteral("entry %1 has no path").arg(index));
        if (!isSafeRelativePath(*path))
            return corrupt(QStringLiteral("entry %1 has an unsafe path '%2' (absolute, empty or with '..')")
                               .arg(index)
                               .arg(displayPath(*path)));
        if (seen.contains(*path))
            return corrupt(QStringLiteral("path '%1' appears twice").arg(displayPath(*path)));
        seen.insert(*path, entry.type);
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
            if (auto status = parseHoles(object, entry); !status)
                return corrupt(status.message());
            if (sum != entry.dataBytes())
                return corrupt(QStringLiteral("file '%1': its chunks hold %2 bytes, its size without holes is %3")
                                   .arg(displayPath(entry.path))
                                   .arg(sum)
                                   .arg(entry.dataBytes()));
            entry.changing = object.value(QLatin1String("changing")).toBool(false);
        } else if (entry.type == ManifestEntry::Type::Symlink) {
            auto target = getBytes(object, QStringLiteral("target"));
            if (!target || target->isEmpty() || target->contains('\0'))
                return corrupt(QStringLiteral("symlink '%1' has no valid target").arg(displayPath(entry.path)));
            entry.linkTarget = *target;
        } else if (entry.type == ManifestEntry::Type::HardLink) {
            auto target = getBytes(object, QStringLiteral("target"));
            if (!target || !isSafeRelativePath(*target)
                || seen.value(*target, ManifestEntry::Type::Directory) != ManifestEntry::Type::File)
                return corrupt(QStringLiteral("hard link '%1' does not name a file of the snapshot before it")
                                   .arg(displayPath(entry.path)));
            entry.linkTarget = *target;
        } else if (entry.type == ManifestEntry::Type::CharDevice || entry.type == ManifestEntry::Type::BlockDevice) {
            bool ok = false;
            entry.rdev = object.value(QLatin1String("rdev")).toString().toULongLong(&ok);
            if (!ok)
                return corrupt(QStringLiteral("device '%1' has no valid device number").arg(displayPath(entry.path)));
        }
        if (auto status = parseOwnerAndAttributes(object, entry); !status)
            return corrupt(status.message());
        manifest.entries.append(std::move(entry));
    }
    return manifest;
}

} // namespace pk
