// Fuzzes pk::Manifest::fromJson, the parser of a snapshot's manifest: any bytes; for an accepted manifest, what a
// restore relies on, and the round trip through toJson (the same paths and contents).

#include "fuzzcheck.h"
#include "storage/chunker.h"
#include "storage/manifest.h"

#include <cstddef>
#include <cstdint>

using pk::fuzz::show;

namespace {

const QString where = QStringLiteral("/srv/store-a/users/uuid/snapshots/fuzz.json");

void checkAccepted(const pk::Manifest& manifest)
{
    FUZZ_CHECK(manifest.format >= 1 && manifest.format <= pk::Manifest::formatVersion, QString());
    FUZZ_CHECK(pk::isValidSnapshotId(manifest.snapshotId), manifest.snapshotId);
    qint64 bytes = 0;
    for (const pk::ManifestEntry& entry : manifest.entries) {
        FUZZ_CHECK(pk::isSafeRelativePath(entry.path), show(entry.path));
        FUZZ_CHECK(entry.mode <= 07777, QString::number(entry.mode, 8));
        if (entry.type == pk::ManifestEntry::Type::File) {
            qint64 sum = 0;
            for (const pk::ChunkRef& chunk : entry.chunks) {
                FUZZ_CHECK(chunk.size > 0 && chunk.size <= pk::Chunker::maxChunkSize, show(entry.path));
                sum += chunk.size;
            }
            qint64 end = 0;
            for (const pk::Hole& hole : entry.holes) {
                FUZZ_CHECK(
                    hole.offset >= end && hole.length > 0 && hole.offset + hole.length <= entry.size, show(entry.path));
                end = hole.offset + hole.length;
            }
            FUZZ_CHECK(sum == entry.dataBytes(), show(entry.path));
        } else {
            FUZZ_CHECK(entry.chunks.isEmpty() && entry.size == 0, show(entry.path));
        }
        if (entry.type == pk::ManifestEntry::Type::Symlink)
            FUZZ_CHECK(!entry.linkTarget.isEmpty() && !entry.linkTarget.contains('\0'), show(entry.path));
        else if (entry.type == pk::ManifestEntry::Type::HardLink)
            FUZZ_CHECK(pk::isSafeRelativePath(entry.linkTarget) && entry.linkTarget != entry.path, show(entry.path));
        else
            FUZZ_CHECK(entry.linkTarget.isEmpty(), show(entry.path));
        for (const pk::ExtendedAttribute& attribute : entry.xattrs)
            FUZZ_CHECK(pk::isKeptAttributeName(attribute.name) && attribute.value.size() <= 65536, show(entry.path));
        if (entry.owner) {
            FUZZ_CHECK(entry.owner->uid != 0xffffffffU && entry.owner->gid != 0xffffffffU, show(entry.path));
            FUZZ_CHECK(
                !entry.owner->userName.contains('\0') && !entry.owner->groupName.contains('\0'), show(entry.path));
        }
        bytes += entry.size;
    }
    FUZZ_CHECK(manifest.logicalBytes() == bytes, QString());
}

// Strings survive the round trip when QJsonDocument lets them (paths are bytes, checked below).
bool sameText(const QString& before, const QString& after)
{
    return !pk::fuzz::survivesJson(before) || before == after;
}

void checkSame(const pk::Manifest& before, const pk::Manifest& after, const QByteArray& written)
{
    const auto context = [&]() -> QString { return QStringLiteral("written: ") + show(written); };
    FUZZ_CHECK(after.format == before.format, context());
    FUZZ_CHECK(after.snapshotId == before.snapshotId, context());
    FUZZ_CHECK(sameText(before.userName, after.userName), context());
    FUZZ_CHECK(sameText(before.userUuid, after.userUuid), context());
    FUZZ_CHECK(sameText(before.sourcePath, after.sourcePath), context());
    FUZZ_CHECK(after.createdMs == before.createdMs, context());
    FUZZ_CHECK(after.entries.size() == before.entries.size(), context());
    for (qsizetype i = 0; i < before.entries.size(); ++i) {
        const pk::ManifestEntry& a = before.entries.at(i);
        const pk::ManifestEntry& b = after.entries.at(i);
        const auto entryContext
            = [&]() -> QString { return show(a.path) + QStringLiteral(" became ") + show(b.path) + u' ' + context(); };
        FUZZ_CHECK(a.type == b.type, entryContext());
        FUZZ_CHECK(a.path == b.path, entryContext());
        FUZZ_CHECK(a.mode == b.mode, entryContext());
        FUZZ_CHECK(a.mtimeNs == b.mtimeNs, entryContext());
        FUZZ_CHECK(a.size == b.size, entryContext());
        FUZZ_CHECK(a.chunks == b.chunks, entryContext());
        FUZZ_CHECK(a.holes == b.holes, entryContext());
        FUZZ_CHECK(a.owner == b.owner, entryContext());
        FUZZ_CHECK(a.xattrs == b.xattrs, entryContext());
        FUZZ_CHECK(a.rdev == b.rdev && a.changing == b.changing, entryContext());
        FUZZ_CHECK(a.linkTarget == b.linkTarget,
            entryContext() + QStringLiteral(" target ") + show(a.linkTarget) + QStringLiteral(" became ")
                + show(b.linkTarget));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    auto manifest = pk::Manifest::fromJson(json, where);
    if (!manifest) {
        FUZZ_CHECK(manifest.error().code == pk::ErrorCode::Failed, manifest.message());
        FUZZ_CHECK(manifest.message().contains(where), manifest.message());
        return 0;
    }
    checkAccepted(*manifest);
    (void)manifest->fileCount();

    // What the program writes, it reads back the same.
    const QByteArray written = manifest->toJson();
    auto reread = pk::Manifest::fromJson(written, where);
    FUZZ_CHECK(reread.isOk(), reread.message() + QStringLiteral("; written: ") + show(written));
    checkAccepted(*reread);
    checkSame(*manifest, *reread, written);
    FUZZ_CHECK(reread->toJson() == written, show(written));
    return 0;
}
