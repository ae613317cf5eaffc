// Fuzzes pk::UserStore::parseIdentity, the parser of a user's user.json: any bytes; an accepted identity is the
// expected user's and reads back the same once written as UserStore::create writes it.

#include "fuzzcheck.h"
#include "storage/userstore.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString uuid = QStringLiteral("5d0c2f4e-8a3b-4f6d-9e21-7b8c9d0e1f2a");
    const QString path = QStringLiteral("/srv/pool/store-a/users/") + uuid + QStringLiteral("/user.json");
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    auto identity = pk::UserStore::parseIdentity(json, path, uuid);
    if (!identity) {
        FUZZ_CHECK(identity.error().code == pk::ErrorCode::Failed, identity.message());
        FUZZ_CHECK(identity.message().contains(path), identity.message());
        return 0;
    }
    FUZZ_CHECK(identity->uuid == uuid, identity->uuid);

    // Written as UserStore::create writes it, it reads back the same.
    QJsonObject object;
    object.insert(QLatin1String("format"), 1);
    object.insert(QLatin1String("name"), identity->name);
    object.insert(QLatin1String("uuid"), identity->uuid);
    auto reread = pk::UserStore::parseIdentity(QJsonDocument(object).toJson(), path, uuid);
    FUZZ_CHECK(reread.isOk(), reread.message());
    FUZZ_CHECK(reread->uuid == uuid, reread->uuid);
    FUZZ_CHECK(!pk::fuzz::survivesJson(identity->name) || reread->name == identity->name,
        identity->name + QStringLiteral(" became ") + reread->name);
    return 0;
}
