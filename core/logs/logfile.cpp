#include "logfile.h"

#include "archive/compressedfilereader.h"
#include "archive/gzip.h"
#include "util/posixio.h"

#include <QFileInfo>
#include <QMutexLocker>
#include <QScopeGuard>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

constexpr qint64 readBlockSize = qint64(4) << 20;
constexpr qsizetype headBytes = 256;
constexpr qsizetype tailBytes = 64;

// pread until count bytes or the end of the file; -1 with errno on failure.
qint64 preadFull(int fd, char* buffer, qint64 count, qint64 offset)
{
    qint64 done = 0;
    while (done < count) {
        const ssize_t n = ::pread(fd, buffer + done, std::size_t(count - done), off_t(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return done > 0 ? done : -1;
        }
        if (n == 0)
            break;
        done += n;
    }
    return done;
}

// Buffers of readLines, kept per thread: a pass reads thousands of blocks, and a fresh buffer
// each time costs its page faults again. A visitor that reads again gets the next set.
struct ReadScratch
{
    QByteArray buffer;
    std::vector<LogLineSpan> spans;
    std::vector<quint64> starts;
};
constexpr int scratchDepth = 4;
thread_local ReadScratch t_scratch[scratchDepth];
thread_local int t_scratchDepth = 0;

} // namespace

Result<std::unique_ptr<LogFile>> LogFile::open(const QString& path, bool live)
{
    std::unique_ptr<LogFile> file(new LogFile);
    file->m_path = path;
    file->m_live = live;
    if (CompressedFileReader::hasCompressedName(path)) {
        file->m_compressed = true;
        file->m_live = false;
        file->m_reader = std::make_unique<CompressedFileReader>();
        if (auto status = file->m_reader->open(path); !status)
            return status.error();
        file->m_compressedSize = QFileInfo(path).size();
        return file;
    }
    // O_NONBLOCK: opening a FIFO planted under the log's name must not hang the viewer.
    auto opened = posix::openRegularFile(path);
    if (!opened)
        return opened.error();
    const struct stat& st = opened->st;
    UniqueFd fd = std::move(opened->fd);
    file->m_device = quint64(st.st_dev);
    file->m_inode = quint64(st.st_ino);
    file->m_fd = std::move(fd);
    return file;
}

LogFile::~LogFile() = default;

qint64 LogFile::fileSize() const
{
    if (m_fd) {
        struct stat st = {};
        if (::fstat(m_fd.get(), &st) == 0)
            return qint64(st.st_size);
        return 0;
    }
    return m_compressedSize;
}

qint64 LogFile::indexMemoryBytes() const
{
    return m_index.memoryBytes() + m_chunkMemory;
}

LogFileBatch LogFile::readMore(qint64 maxBytes)
{
    LogFileBatch batch;
    if (m_complete) {
        batch.endOfData = true;
        batch.scannedEnd = m_scanner.scanned();
        batch.atLineStart = m_scanner.atLineStart();
        return batch;
    }
    if (m_compressed) {
        // One chunk per call: decoding cannot be resumed at an offset, so every byte is decoded
        // once and kept. A damaged file keeps what decoded before the damage.
        QByteArray decoded(chunkSize, Qt::Uninitialized);
        qint64 filled = 0;
        while (filled < chunkSize) {
            // Small requests: libarchive drops what one read() call decoded when that call meets
            // the damage, so this keeps all but the last few KiB before it.
            auto n = m_reader->read(decoded.data() + filled, qMin<qint64>(chunkSize - filled, 16 * 1024));
            if (!n) {
                batch.error = n.message();
                batch.endOfData = true;
                break;
            }
            if (*n == 0) {
                batch.endOfData = true;
                break;
            }
            filled += *n;
        }
        decoded.truncate(filled);
        if (filled > 0) {
            m_scanner.feed(decoded.constData(), filled, batch.starts);
            // Logs pack about ten to one; garbage that does not pack stays as it is.
            QByteArray packed = qCompress(reinterpret_cast<const uchar*>(decoded.constData()), filled, 1);
            if (packed.size() < filled * 3 / 4) {
                packed.squeeze(); // qCompress leaves room for the worst case
                batch.chunk = std::move(packed);
                batch.chunkPacked = true;
            } else {
                batch.chunk = std::move(decoded);
            }
            batch.chunkBytes = filled;
        }
        batch.sourcePosition = batch.endOfData ? m_compressedSize : m_reader->sourcePosition();
        if (batch.endOfData) {
            m_reader.reset(); // frees the descriptor and libarchive's buffers
            m_complete = true;
            m_atEnd = true;
        }
        batch.scannedEnd = m_scanner.scanned();
        batch.atLineStart = m_scanner.atLineStart();
        return batch;
    }

    const qint64 want = qBound<qint64>(64 * 1024, maxBytes, readBlockSize);
    if (m_buffer.size() < want)
        m_buffer.resize(want);
    const auto offset = qint64(m_scanner.scanned());
    const qint64 n = preadFull(m_fd.get(), m_buffer.data(), want, offset);
    if (n < 0) {
        batch.error = posix::ioError(QStringLiteral("read"), m_path, errno).message;
        batch.endOfData = true;
        m_complete = true;
        m_atEnd = true;
    } else {
        if (n > 0) {
            m_scanner.feed(m_buffer.constData(), n, batch.starts);
            if (m_headSeen.size() < headBytes && offset < headBytes)
                m_headSeen.append(m_buffer.constData() + (m_headSeen.size() - offset),
                    qMin<qint64>(headBytes - m_headSeen.size(), n - (m_headSeen.size() - offset)));
            if (n >= tailBytes) {
                m_tailSeen = QByteArray(m_buffer.constData() + n - tailBytes, tailBytes);
            } else {
                m_tailSeen.append(m_buffer.constData(), n);
                m_tailSeen = m_tailSeen.right(tailBytes);
            }
        }
        m_atEnd = n < want;
        batch.endOfData = m_atEnd;
        if (m_atEnd && !m_live)
            m_complete = true;
    }
    batch.scannedEnd = m_scanner.scanned();
    batch.atLineStart = m_scanner.atLineStart();
    return batch;
}

void LogFile::commit(LogFileBatch&& batch)
{
    m_index.append(batch.starts.data(), qsizetype(batch.starts.size()));
    m_indexedBytes = batch.scannedEnd;
    m_endsWithNewline = batch.atLineStart;
    m_visibleLines = m_index.size() - (batch.atLineStart || batch.endOfData ? 0 : 1);
    m_progressBytes = m_compressed ? batch.sourcePosition : qint64(batch.scannedEnd);
    if (batch.chunkBytes > 0) {
        m_chunkMemory += batch.chunk.capacity();
        m_chunks.push_back({ std::move(batch.chunk), batch.chunkBytes, batch.chunkPacked });
    }
    if (!batch.error.isEmpty())
        m_error = batch.error;
}

LogFile::Change LogFile::checkForChange()
{
    if (m_compressed || !m_fd)
        return Change::None;
    struct stat st = {};
    if (::fstat(m_fd.get(), &st) != 0)
        return Change::None;
    const auto scanned = qint64(m_scanner.scanned());
    if (qint64(st.st_size) < scanned)
        return Change::Truncated;
    // Same size or more, but other bytes where we read: truncated and written again between two
    // checks. The head holds the first timestamp, the tail the last line read.
    char buffer[headBytes];
    if (!m_headSeen.isEmpty()) {
        const qint64 n = preadFull(m_fd.get(), buffer, m_headSeen.size(), 0);
        if (n != m_headSeen.size() || std::memcmp(buffer, m_headSeen.constData(), std::size_t(n)) != 0)
            return Change::Truncated;
    }
    if (!m_tailSeen.isEmpty()) {
        const qint64 n = preadFull(m_fd.get(), buffer, m_tailSeen.size(), scanned - m_tailSeen.size());
        if (n != m_tailSeen.size() || std::memcmp(buffer, m_tailSeen.constData(), std::size_t(n)) != 0)
            return Change::Truncated;
    }
    if (qint64(st.st_size) > scanned) {
        m_atEnd = false;
        return Change::Grown;
    }
    return Change::None;
}

bool LogFile::isSameFileAs(const QString& path) const
{
    if (m_compressed || !m_fd)
        return false;
    if (!CompressedFileReader::hasCompressedName(path)) {
        struct stat st = {};
        return ::stat(posix::encodePath(path).constData(), &st) == 0 && quint64(st.st_dev) == m_device
            && quint64(st.st_ino) == m_inode;
    }
    struct stat own = {};
    if (::fstat(m_fd.get(), &own) != 0)
        return false;
    auto fd = posix::openReadOnly(path);
    if (!fd)
        return false;
    auto trailer = readGzipTrailer(fd->get(), path);
    if (!trailer || trailer->size != quint32(quint64(own.st_size)))
        return false;
    CompressedFileReader reader;
    if (!reader.open(path))
        return false;
    QByteArray head(m_headSeen.size(), Qt::Uninitialized);
    qint64 filled = 0;
    while (filled < head.size()) {
        auto n = reader.read(head.data() + filled, head.size() - filled);
        if (!n || *n == 0)
            return false;
        filled += *n;
    }
    return head == m_headSeen;
}

void LogFile::resetIndex()
{
    m_index.clear();
    m_visibleLines = 0;
    m_progressBytes = 0;
    m_indexedBytes = 0;
    m_endsWithNewline = true;
    m_error.clear();
    m_scanner.reset();
    m_headSeen.clear();
    m_tailSeen.clear();
    m_atEnd = false;
    m_complete = false;
}

QByteArray LogFile::chunkData(std::size_t index) const
{
    const Chunk& chunk = m_chunks[index];
    if (!chunk.packed)
        return chunk.data;
    QMutexLocker locker(&m_cacheMutex);
    for (int i = 0; i < 2; ++i) {
        if (m_cachedIndex[i] == index)
            return m_cached[i];
    }
    QByteArray data = qUncompress(chunk.data);
    const int slot = m_cacheNext;
    m_cacheNext = 1 - m_cacheNext;
    m_cachedIndex[slot] = index;
    m_cached[slot] = data;
    return data;
}

qint64 LogFile::readBytes(quint64 from, quint64 to, char* out) const
{
    if (to <= from)
        return 0;
    if (!m_compressed) {
        if (!m_fd)
            return 0;
        return qMax<qint64>(0, preadFull(m_fd.get(), out, qint64(to - from), qint64(from)));
    }
    qint64 copied = 0;
    quint64 position = from;
    while (position < to) {
        const auto index = std::size_t(position / quint64(chunkSize));
        if (index >= m_chunks.size())
            break;
        const QByteArray data = chunkData(index);
        const quint64 chunkStart = quint64(index) * quint64(chunkSize);
        const quint64 inChunk = position - chunkStart;
        if (inChunk >= quint64(data.size()))
            break; // qUncompress failed (out of memory): read as missing
        const quint64 n = qMin<quint64>(to - position, quint64(data.size()) - inChunk);
        std::memcpy(out + copied, data.constData() + inChunk, std::size_t(n));
        copied += qint64(n);
        position += n;
    }
    return copied;
}

bool LogFile::readLines(
    qint64 first, qint64 count, const std::function<bool(const LogLineBlock&)>& visit, qint64 maxBlockBytes) const
{
    const qint64 total = m_index.size();
    first = qMax<qint64>(0, first);
    const qint64 last = qMin(m_visibleLines, first + qMax<qint64>(0, count));
    const quint64 dataEnd = m_indexedBytes - (m_endsWithNewline ? 1 : 0);
    constexpr qint64 batchLines = 65536;
    const int depth = t_scratchDepth++;
    const auto leave = qScopeGuard([depth] {
        --t_scratchDepth;
        if (depth < scratchDepth && t_scratch[depth].buffer.size() > maxLineBytes / 4)
            t_scratch[depth].buffer = QByteArray(); // do not keep a huge line's buffer
    });
    ReadScratch own;
    ReadScratch& scratch = depth < scratchDepth ? t_scratch[depth] : own;
    QByteArray& buffer = scratch.buffer;
    std::vector<LogLineSpan>& spans = scratch.spans;
    std::vector<quint64>& starts = scratch.starts; // of lines [batchFirst, batchFirst + starts.size())
    qint64 i = first;
    while (i < last) {
        // Decode the offsets of a batch of lines (and the one after it, for the batch's end).
        const qint64 batchFirst = i;
        const qint64 batchEnd = qMin(last, i + batchLines);
        starts.resize(std::size_t(qMin(total, batchEnd + 1) - batchFirst));
        m_index.decode(batchFirst, qint64(starts.size()), starts.data());
        auto startOf = [&](qint64 line) { return starts[std::size_t(line - batchFirst)]; };
        auto endOf = [&](qint64 line) {
            // Without its '\n'; never before its start (a file that shrank under us).
            const quint64 end = line + 1 < total ? startOf(line + 1) - 1 : dataEnd;
            return qMax(end, startOf(line));
        };
        while (i < batchEnd) {
            const quint64 start = startOf(i);
            quint64 end = endOf(i);
            qint64 j = i + 1;
            bool cut = false;
            if (end - start > quint64(maxLineBytes)) {
                end = start + quint64(maxLineBytes);
                cut = true;
            } else {
                while (j < batchEnd) {
                    const quint64 next = endOf(j);
                    if (next - start > quint64(maxBlockBytes))
                        break;
                    end = next;
                    ++j;
                }
            }
            const auto bytes = qint64(end - start);
            if (buffer.size() < bytes)
                buffer.resize(bytes);
            const qint64 got = readBytes(start, end, buffer.data());
            const char* data = buffer.constData();
            spans.resize(std::size_t(j - i));
            for (qint64 k = i; k < j; ++k) {
                LogLineSpan& span = spans[std::size_t(k - i)];
                span.begin = quint32(qMin<quint64>(startOf(k) - start, quint64(got)));
                span.end = quint32(qMin<quint64>((cut ? end : endOf(k)) - start, quint64(got)));
                if (span.end > span.begin && data[span.end - 1] == '\r')
                    --span.end;
            }
            LogLineBlock block;
            block.firstLine = i;
            block.data = QByteArrayView(data, got);
            block.spans = spans.data();
            block.count = qsizetype(spans.size());
            if (!visit(block))
                return false;
            i = j;
        }
    }
    return true;
}

QByteArray LogFile::line(qint64 index) const
{
    QByteArray text;
    // Stopped by the visitor after the one line it wants.
    readLines(index, 1, [&](const LogLineBlock& block) {
        text = block.line(0).toByteArray();
        return false;
    });
    return text;
}

} // namespace pk
