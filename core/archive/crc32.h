#pragma once

// CRC-32 (IEEE 802.3, the gzip and zip checksum). libarchive does not verify the checksum in a
// gzip trailer, so the readers compute it themselves to detect corrupt data.

#include <QtGlobal>

namespace pk {

class Crc32
{
public:
    void update(const char* data, qsizetype size);
    quint32 value() const { return ~m_state; }

    static quint32 of(const char* data, qsizetype size);

private:
    quint32 m_state = 0xffffffffu;
};

} // namespace pk
