#include "crc32.h"

#include <QtEndian>

#include <array>
#include <cstring>

namespace pk {

namespace {

// Slicing-by-8 tables: eight bytes per step keeps the checksum far faster than inflate, so
// verifying costs the log viewer next to nothing.
using Tables = std::array<std::array<quint32, 256>, 8>;

constexpr Tables makeTables()
{
    Tables tables {};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 crc = i;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 1u) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
        tables[0][i] = crc;
    }
    for (quint32 i = 0; i < 256; ++i) {
        for (size_t t = 1; t < 8; ++t)
            tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][tables[t - 1][i] & 0xffu];
    }
    return tables;
}

constexpr Tables crcTables = makeTables();

} // namespace

void Crc32::update(const char* data, qsizetype size)
{
    auto p = reinterpret_cast<const unsigned char*>(data);
    quint32 crc = m_state;
    while (size >= 8) {
        quint32 low;
        quint32 high;
        std::memcpy(&low, p, 4);
        std::memcpy(&high, p + 4, 4);
        if constexpr (Q_BYTE_ORDER == Q_BIG_ENDIAN) {
            low = qFromLittleEndian(low);
            high = qFromLittleEndian(high);
        }
        low ^= crc;
        crc = crcTables[7][low & 0xffu] ^ crcTables[6][(low >> 8) & 0xffu] ^ crcTables[5][(low >> 16) & 0xffu]
            ^ crcTables[4][low >> 24] ^ crcTables[3][high & 0xffu] ^ crcTables[2][(high >> 8) & 0xffu]
            ^ crcTables[1][(high >> 16) & 0xffu] ^ crcTables[0][high >> 24];
        p += 8;
        size -= 8;
    }
    while (size-- > 0)
        crc = (crc >> 8) ^ crcTables[0][(crc ^ *p++) & 0xffu];
    m_state = crc;
}

quint32 Crc32::of(const char* data, qsizetype size)
{
    Crc32 crc;
    crc.update(data, size);
    return crc.value();
}

} // namespace pk
