#pragma once

// CompressedFileReader as a sequential, read-only QIODevice, for code that wants readLine() or
// QTextStream over a log that may be compressed (the shape KCompressionDevice has in KArchive).

#include "compressedfilereader.h"

#include <QIODevice>

namespace pk {

class CompressedFileDevice : public QIODevice
{
    Q_OBJECT

public:
    explicit CompressedFileDevice(QString fileName, QObject* parent = nullptr);
    ~CompressedFileDevice() override;

    QString fileName() const { return m_fileName; }
    // ReadOnly (Text and Unbuffered allowed). On failure errorString() says why.
    bool open(OpenMode mode) override;
    void close() override;
    bool isSequential() const override { return true; }
    // QIODevice's own atEnd() is true for a sequential device whenever its buffer is empty.
    bool atEnd() const override;

    bool isCompressed() const { return m_reader.isCompressed(); }
    // True once a read failed (damaged or truncated data); errorString() holds the reason.
    bool hasError() const { return m_hasError; }

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    qint64 writeData(const char* data, qint64 maxSize) override;

private:
    QString m_fileName;
    CompressedFileReader m_reader;
    bool m_finished = false;
    bool m_hasError = false;
};

} // namespace pk
