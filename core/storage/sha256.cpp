#include "sha256.h"

#include <cstdlib>
#include <openssl/evp.h>

namespace pk {

namespace {

// Fetched once: looking the algorithm up on every init costs more than hashing a small chunk.
const EVP_MD* sha256Algorithm()
{
    static const EVP_MD* md = [] {
        const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        return fetched ? fetched : EVP_sha256();
    }();
    return md;
}

int hexValue(unsigned c)
{
    if (c >= '0' && c <= '9')
        return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f')
        return static_cast<int>(c - 'a' + 10);
    return -1;
}

template<typename Text> std::optional<Digest> parseHex(const Text& hex)
{
    if (hex.size() != 64)
        return std::nullopt;
    Digest digest;
    for (int i = 0; i < 32; ++i) {
        const int high = hexValue(static_cast<unsigned>(hex[2 * i]));
        const int low = hexValue(static_cast<unsigned>(hex[2 * i + 1]));
        if (high < 0 || low < 0)
            return std::nullopt;
        digest.bytes[static_cast<size_t>(i)] = static_cast<std::uint8_t>(high << 4 | low);
    }
    return digest;
}

} // namespace

QByteArray Digest::hexBytes() const
{
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), static_cast<qsizetype>(bytes.size())).toHex();
}

QString Digest::hex() const
{
    return QString::fromLatin1(hexBytes());
}

std::optional<Digest> Digest::fromHex(QStringView hex)
{
    return parseHex(hex.toLatin1());
}

std::optional<Digest> Digest::fromHex(QByteArrayView hex)
{
    return parseHex(hex);
}

Sha256::Sha256()
    : m_context(EVP_MD_CTX_new())
{
    if (!m_context || EVP_DigestInit_ex(m_context, sha256Algorithm(), nullptr) != 1)
        std::abort(); // only on allocation failure; nothing sensible can continue
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_context);
}

void Sha256::update(const void* data, size_t size)
{
    EVP_DigestUpdate(m_context, data, size);
}

Digest Sha256::finish()
{
    Digest digest;
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context, digest.bytes.data(), &length);
    EVP_DigestInit_ex(m_context, sha256Algorithm(), nullptr);
    return digest;
}

Digest Sha256::hash(const void* data, size_t size)
{
    thread_local Sha256 hasher;
    hasher.update(data, size);
    return hasher.finish();
}

} // namespace pk
