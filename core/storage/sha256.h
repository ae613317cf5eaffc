#pragma once

// SHA-256 through OpenSSL's EVP interface, which uses the CPU's SHA extensions; chunks are
// named and verified by this digest.

#include <QHashFunctions>
#include <QString>

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>

using EVP_MD_CTX = struct evp_md_ctx_st; // NOLINT(readability-identifier-naming): OpenSSL's name

namespace pk {

struct Digest
{
    std::array<std::uint8_t, 32> bytes {};

    QString hex() const;
    QByteArray hexBytes() const;
    static std::optional<Digest> fromHex(QStringView hex);
    static std::optional<Digest> fromHex(QByteArrayView hex);

    friend bool operator==(const Digest&, const Digest&) = default;
    friend auto operator<=>(const Digest&, const Digest&) = default;
};

inline size_t qHash(const Digest& digest, size_t seed = 0) noexcept
{
    size_t value;
    std::memcpy(&value, digest.bytes.data(), sizeof value);
    return value ^ seed;
}

class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    // Returns the digest and resets the object for the next message.
    Digest finish();

    static Digest hash(const void* data, size_t size);

private:
    EVP_MD_CTX* m_context = nullptr;
};

} // namespace pk

template<> struct std::hash<pk::Digest>
{
    size_t operator()(const pk::Digest& digest) const noexcept { return qHash(digest); }
};
