// Fuzzes pk::StorageRoot::parseIdentity, the parser of storage.json: any bytes; an accepted identity has a known
// format and reads back the same once written as StorageRoot::initialize writes it.

#include "fuzzcheck.h"
#include "storage/storageroot.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>
#include <utility>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString directory = QStringLiteral("/srv/pool/store-a");
    const QString file = directory + QStringLiteral("/storage.json");
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    auto identity = pk::StorageRoot::parseIdentity(json, file);
    if (!identity) {
        FUZZ_CHECK(identity.error().code == pk::ErrorCode::Failed, identity.message());
        FUZZ_CHECK(identity.message().contains(directory), identity.message());
        return 0;
    }
    FUZZ_CHECK(identity->format >= 1 && identity->format <= pk::StorageRoot::formatVersion, QString());

    // Written as StorageRoot::initialize writes it, it reads back the same.
    QJsonObject object;
    object.insert(QLatin1String("format"), identity->format);
    object.insert(QLatin1String("storage_id"), identity->storageId);
    object.insert(QLatin1String("name"), identity->name);
    object.insert(QLatin1String("pool"), identity->pool);
    const QByteArray written = QJsonDocument(object).toJson(QJsonDocument::Indented);
    auto reread = pk::StorageRoot::parseIdentity(written, file);
    FUZZ_CHECK(reread.isOk(), reread.message());
    FUZZ_CHECK(reread->format == identity->format, QString());
    for (const auto& [before, after] : { std::pair { identity->storageId, reread->storageId },
             std::pair { identity->name, reread->name }, std::pair { identity->pool, reread->pool } }) {
        FUZZ_CHECK(!pk::fuzz::survivesJson(before) || before == after, before + QStringLiteral(" became ") + after);
    }
    return 0;
}
