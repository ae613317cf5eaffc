#include "logsource.h"

#include "migrationlog.h"
#include "util/posixio.h"

#include <QFileInfo>
#include <QWriteLocker>

#include <algorithm>
#include <sys/stat.h>

namespace pk {

namespace {

// A rotation that keeps coming back while the files are opened: give up after this many tries
// (open() keeps what it got, poll() tries again at the next check).
constexpr int openAttempts = 4;

struct LogEntry
{
    QString path;
    quint64 device = 0;
    quint64 inode = 0;
    friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

// The log's files (MigrationLog::files) with the file each name stands for. Every step of a
// rotation changes what at least one name stands for, so two equal listings mean the files
// opened between them are the ones listed, in their order.
std::vector<LogEntry> listLog(const QString& root)
{
    std::vector<LogEntry> entries;
    for (const QString& path : MigrationLog::files(root)) {
        struct stat st = {};
        if (::stat(posix::encodePath(path).constData(), &st) == 0)
            entries.push_back({ path, quint64(st.st_dev), quint64(st.st_ino) });
    }
    return entries;
}

} // namespace

LogSource::LogSource(LogSourceSpec spec, QReadWriteLock& lock)
    : m_spec(std::move(spec))
    , m_lock(lock)
{ }

LogSource::~LogSource() = default;

void LogSource::addError(const QString& path, const QString& message)
{
    QWriteLocker locker(&m_lock);
    m_errors.append({ m_spec.storage, path, message });
}

void LogSource::addFile(const QString& path, bool live)
{
    Opened opened;
    openInto(opened, path, live);
    commit(std::move(opened));
}

void LogSource::openInto(Opened& opened, const QString& path, bool live) const
{
    auto file = LogFile::open(path, live);
    if (!file) {
        opened.errors.append({ m_spec.storage, path, file.message() });
        return;
    }
    opened.files.push_back(std::move(*file));
}

void LogSource::commit(Opened&& opened)
{
    QWriteLocker locker(&m_lock);
    for (auto& file : opened.files) {
        m_files.push_back(std::move(file));
        m_firstLine.push_back(m_lineCount);
    }
    m_errors += opened.errors;
}

void LogSource::open()
{
    struct stat st = {};
    if (::stat(posix::encodePath(m_spec.root).constData(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        addError(m_spec.root,
            QStringLiteral("the root '%1' of storage '%2' is not reachable: is the storage mounted?")
                .arg(m_spec.root, m_spec.storage));
        return;
    }
    const QString current = m_spec.root + u'/' + MigrationLog::fileName();
    for (int attempt = 1;; ++attempt) {
        const std::vector<LogEntry> entries = listLog(m_spec.root);
        Opened opened;
        for (const LogEntry& entry : entries)
            openInto(opened, entry.path, entry.path == current);
        // A rotation meanwhile may have put other files under the names: open them again.
        if (attempt == openAttempts || listLog(m_spec.root) == entries) {
            commit(std::move(opened));
            return;
        }
    }
}

LogFile* LogSource::liveFile() const
{
    if (m_files.empty() || !m_files.back()->isLive())
        return nullptr;
    return m_files.back().get();
}

bool LogSource::isCaughtUp() const
{
    if (m_cursor >= m_files.size())
        return true;
    const LogFile& file = *m_files[m_cursor];
    return m_cursor + 1 == m_files.size() && file.isLive() && file.atEnd();
}

LogSource::Step LogSource::indexMore(qint64 maxBytes)
{
    Step step;
    while (m_cursor < m_files.size() && m_files[m_cursor]->isComplete()) {
        QWriteLocker locker(&m_lock); // readers use the cursor to find the files with lines
        ++m_cursor;
        if (m_cursor < m_files.size())
            m_firstLine[m_cursor] = m_lineCount;
    }
    if (m_cursor >= m_files.size())
        return step;
    LogFile& file = *m_files[m_cursor];
    LogFileBatch batch = file.readMore(maxBytes);
    const quint64 before = file.indexedBytes();
    {
        QWriteLocker locker(&m_lock);
        step.newLines = qint64(batch.starts.size());
        const bool failed = !batch.error.isEmpty();
        if (failed)
            m_errors.append({ m_spec.storage, file.path(), batch.error });
        step.newError = failed;
        file.commit(std::move(batch));
        m_lineCount = m_firstLine[m_cursor] + file.lineCount();
        step.bytes = qint64(file.indexedBytes() - before);
        m_bytesIndexed += step.bytes;
    }
    return step;
}

LogSource::PollResult LogSource::poll()
{
    PollResult result;
    const QString currentPath = m_spec.root + u'/' + MigrationLog::fileName();
    struct stat st = {};
    const bool exists = ::stat(posix::encodePath(currentPath).constData(), &st) == 0 && S_ISREG(st.st_mode);
    LogFile* live = liveFile();
    if (!exists)
        return result; // removed, or between the two renames of a rotation: the next poll sees
    if (!live) {
        // The log appeared (the first line of a new storage, or after a removal).
        if (m_files.empty() && m_errors.size() == 1 && m_errors.first().path == m_spec.root) {
            QWriteLocker locker(&m_lock);
            m_errors.clear(); // the root is back
        }
        addFile(currentPath, true);
        result.changed = true;
        return result;
    }
    if (quint64(st.st_dev) != live->device() || quint64(st.st_ino) != live->inode()) {
        // Rotated: the open file (now .1, or already .N.gz) is read to its end first, then every
        // file that came after it, oldest first. When it cannot be found any more (rotated
        // beyond keep), every rotated file is newer than it. The writer may be rotating again
        // meanwhile: the files are opened while the listing stays the same, or not at all.
        for (int attempt = 0; attempt < openAttempts; ++attempt) {
            const std::vector<LogEntry> entries = listLog(m_spec.root);
            if (entries.empty() || entries.back().path != currentPath)
                return result; // between the two renames of a rotation: the next poll sees
            std::size_t newer = 0;
            for (std::size_t i = entries.size() - 1; i-- > 0;) {
                if (live->isSameFileAs(entries[i].path)) {
                    newer = i + 1;
                    break;
                }
            }
            Opened opened;
            for (std::size_t i = newer; i + 1 < entries.size(); ++i) {
                const QString& path = entries[i].path;
                const bool known = std::any_of(
                    m_files.begin(), m_files.end(), [&](const auto& file) { return file->isSameFileAs(path); });
                if (!known)
                    openInto(opened, path, false);
            }
            openInto(opened, currentPath, true);
            if (listLog(m_spec.root) != entries)
                continue;
            live->retire();
            commit(std::move(opened));
            result.changed = true;
            return result;
        }
        return result; // rotating all the time: the next poll tries again
    }
    switch (live->checkForChange()) {
    case LogFile::Change::None:
        break;
    case LogFile::Change::Grown:
        result.changed = true;
        break;
    case LogFile::Change::Truncated: {
        QWriteLocker locker(&m_lock);
        const std::size_t index = m_files.size() - 1;
        if (index > m_cursor) { // not read yet: nothing of it is in the index
            live->resetIndex();
            result.changed = true;
            break;
        }
        live->resetIndex();
        m_cursor = std::min(m_cursor, index);
        m_lineCount = m_firstLine[index];
        m_bytesIndexed = 0;
        for (const auto& file : m_files)
            m_bytesIndexed += qint64(file->indexedBytes());
        result.changed = true;
        result.truncated = true;
        result.firstChangedLine = m_firstLine[index];
        break;
    }
    }
    return result;
}

QStringList LogSource::watchPaths() const
{
    QStringList paths { m_spec.root };
    if (LogFile* live = liveFile())
        paths.append(live->path());
    return paths;
}

bool LogSource::readLines(
    qint64 first, qint64 count, const std::function<bool(const LogLineBlock&)>& visit, qint64 maxBlockBytes) const
{
    first = qMax<qint64>(0, first);
    qint64 last = qMin(m_lineCount, first + qMax<qint64>(0, count));
    if (first >= last)
        return true;
    const std::size_t files = std::min(m_files.size(), m_cursor + 1);
    // The file holding line `first`: the last one whose first line is not after it.
    auto it = std::upper_bound(m_firstLine.begin(), m_firstLine.begin() + std::ptrdiff_t(files), first);
    std::size_t index = std::size_t(std::distance(m_firstLine.begin(), it)) - 1;
    while (first < last && index < files) {
        const LogFile& file = *m_files[index];
        const qint64 base = m_firstLine[index];
        const qint64 inFile = qMin(last, base + file.lineCount()) - first;
        if (inFile > 0) {
            const bool more = file.readLines(
                first - base, inFile,
                [&](const LogLineBlock& block) {
                    LogLineBlock shifted = block;
                    shifted.firstLine += base;
                    return visit(shifted);
                },
                maxBlockBytes);
            if (!more)
                return false;
            first += inFile;
        }
        ++index;
    }
    return true;
}

QByteArray LogSource::line(qint64 index) const
{
    QByteArray text;
    // Stopped by the visitor after the one line it wants.
    readLines(index, 1, [&](const LogLineBlock& block) {
        text = block.line(0).toByteArray();
        return false;
    });
    return text;
}

qint64 LogSource::indexMemoryBytes() const
{
    auto bytes = qint64(m_firstLine.capacity()) * qint64(sizeof(qint64));
    for (const auto& file : m_files)
        bytes += file->indexMemoryBytes();
    return bytes;
}

qint64 LogSource::lineIndexBytes() const
{
    qint64 bytes = 0;
    for (const auto& file : m_files)
        bytes += file->lineIndexBytes();
    return bytes;
}

void LogSource::progressBytes(qint64& done, qint64& total) const
{
    for (const auto& file : m_files) {
        const qint64 size = file->fileSize();
        done += qMin(size, file->progressBytes());
        total += size;
    }
}

} // namespace pk
