#include "compressedfiledevice.h"

namespace pk {

CompressedFileDevice::CompressedFileDevice(QString fileName, QObject* parent)
    : QIODevice(parent)
    , m_fileName(std::move(fileName))
{ }

CompressedFileDevice::~CompressedFileDevice()
{
    close();
}

bool CompressedFileDevice::open(OpenMode mode)
{
    if (isOpen()) {
        setErrorString(QStringLiteral("'%1' is already open").arg(m_fileName));
        return false;
    }
    if (!(mode & ReadOnly) || (mode & ~(ReadOnly | Text | Unbuffered))) {
        setErrorString(QStringLiteral("'%1' can only be opened for reading").arg(m_fileName));
        return false;
    }
    m_finished = false;
    m_hasError = false;
    if (auto status = m_reader.open(m_fileName); !status) {
        setErrorString(status.message());
        return false;
    }
    return QIODevice::open(mode);
}

void CompressedFileDevice::close()
{
    if (isOpen())
        QIODevice::close();
    m_reader.close();
    m_finished = false;
}

bool CompressedFileDevice::atEnd() const
{
    return !isOpen() || (m_finished && QIODevice::bytesAvailable() == 0);
}

qint64 CompressedFileDevice::readData(char* data, qint64 maxSize)
{
    if (m_finished)
        return m_hasError ? -1 : 0;
    auto n = m_reader.read(data, maxSize);
    if (!n) {
        m_finished = true;
        m_hasError = true;
        setErrorString(n.message());
        return -1;
    }
    if (*n == 0 && maxSize > 0)
        m_finished = true;
    return *n;
}

qint64 CompressedFileDevice::writeData(const char*, qint64)
{
    setErrorString(QStringLiteral("'%1' is read-only").arg(m_fileName));
    return -1;
}

} // namespace pk
