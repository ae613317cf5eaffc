#include "backupjob.h"

#include "chunker.h"
#include "configdb/configdb.h"
#include "sourcewalker.h"
#include "sparsefile.h"
#include "util/failpoint.h"
#include "util/logging.h"
#include "util/parallelfor.h"
#include "util/posixio.h"

#include <QSet>
#include <QThread>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pk {

namespace {

// Shared by the worker threads: deduplication, the quota budget and the durable hand-over of
// new chunks into the store. Each chunk is written under a temporary name, fsynced and renamed
// into place by the worker that made it; the directories that got new names are fsynced once
// before the manifest refers to them. (syncfs would be fewer calls, but it flushes every
// writer's data on the filesystem: on a busy storage node a backup would wait for all others.)
class ChunkSink
{
public:
    ChunkSink(const UserStore& store, std::optional<qint64> budget)
        : m_store(store)
        , m_hasBudget(budget.has_value())
        , m_budgetLeft(budget.value_or(0))
    { }

    // Stores a chunk unless the user already has it or another thread is writing it.
    Status put(const ChunkRef& ref, const std::uint8_t* data)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_seen.contains(ref.hash)) {
                ++m_reused;
                return {};
            }
            m_seen.insert(ref.hash);
        }
        if (m_store.hasChunk(ref)) {
            // Perhaps left by a killed run whose directory entry never reached the disk: its
            // directory is synced with the new ones before the manifest refers to it.
            ++m_reused;
            std::lock_guard lock(m_mutex);
            m_touched.insert(posix::encodePath(m_store.chunkFanoutDir(ref.hash)));
            return {};
        }
        if (m_hasBudget && m_budgetLeft.fetch_sub(ref.size) < static_cast<qint64>(ref.size))
            return failed(QStringLiteral(
                "the storage quota is exhausted: this backup needs more room than the storage '%1' has left; "
                "raise its capacity or rebalance the pool")
                              .arg(m_store.root().path()));
        const QByteArray tmpPath = posix::encodePath(m_store.tmpDir() + u'/' + posix::temporaryName());
        const QString display = QString::fromLocal8Bit(tmpPath);
        UniqueFd fd(::open(tmpPath.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400));
        if (!fd)
            return posix::ioError(QStringLiteral("create"), display, errno);
        Status status = posix::writeFull(fd.get(), reinterpret_cast<const char*>(data), ref.size, display);
        if (status)
            status = posix::fsyncFd(fd.get(), display);
        fd.reset();
        if (!status) {
            ::unlink(tmpPath.constData());
            return status;
        }
        const QByteArray fanout = posix::encodePath(m_store.chunkFanoutDir(ref.hash));
        const QByteArray finalPath = posix::encodePath(m_store.chunkPath(ref.hash));
        if (::mkdir(fanout.constData(), 0700) == 0) {
            std::lock_guard lock(m_mutex);
            m_createdDirectories.append(fanout);
        } else if (errno != EEXIST) {
            ::unlink(tmpPath.constData());
            return posix::ioError(QStringLiteral("create directory"), QString::fromLocal8Bit(fanout), errno);
        }
        struct stat st
        { };
        const bool existed = ::stat(finalPath.constData(), &st) == 0;
        if (::rename(tmpPath.constData(), finalPath.constData()) != 0) {
            const int errnum = errno;
            ::unlink(tmpPath.constData());
            return posix::ioError(QStringLiteral("rename into"), QString::fromLocal8Bit(finalPath), errnum);
        }
        m_addedBytes += ref.size;
        ++m_added;
        std::lock_guard lock(m_mutex);
        m_touched.insert(fanout);
        // A damaged chunk that was replaced by a good copy stays on failure; a new one goes.
        if (!existed)
            m_created.append(finalPath);
        return {};
    }

    // Makes the names of new and reused chunks durable before a manifest may refer to them.
    Status syncDirectories()
    {
        std::lock_guard lock(m_mutex);
        if (m_touched.isEmpty())
            return {};
        if (auto status = posix::fsyncDirectory(m_store.chunksDir()); !status)
            return status;
        for (const QByteArray& dir : std::as_const(m_touched)) {
            if (auto status = posix::fsyncDirectory(QString::fromLocal8Bit(dir)); !status)
                return status;
        }
        return {};
    }

    void rollback()
    {
        std::lock_guard lock(m_mutex);
        for (const QByteArray& path : std::as_const(m_created))
            ::unlink(path.constData());
        m_created.clear();
        // Only empty ones go: another backup may have put chunks there meanwhile.
        for (const QByteArray& dir : std::as_const(m_createdDirectories))
            ::rmdir(dir.constData());
        m_createdDirectories.clear();
    }

    qint64 addedBytes() const { return m_addedBytes.load(); }
    qint64 addedChunks() const { return m_added.load(); }
    qint64 reusedChunks() const { return m_reused.load(); }

private:
    const UserStore& m_store;
    const bool m_hasBudget;
    std::atomic<qint64> m_budgetLeft;

    std::mutex m_mutex; // guards the four members below
    QSet<Digest> m_seen;
    QSet<QByteArray> m_touched;
    QList<QByteArray> m_created;
    QList<QByteArray> m_createdDirectories;

    std::atomic<qint64> m_addedBytes { 0 };
    std::atomic<qint64> m_added { 0 };
    std::atomic<qint64> m_reused { 0 };
};

// What the workers share besides the sink: warnings and counters for progress.
struct SharedState
{
    std::mutex mutex; // guards warnings
    QStringList warnings;
    std::atomic<qint64> filesDone { 0 };
    std::atomic<qint64> bytesRead { 0 };

    void warn(const QString& text)
    {
        std::lock_guard lock(mutex);
        warnings.append(text);
    }
};

class FileReader
{
public:
    FileReader()
        : m_buffer(2 * Chunker::maxChunkSize)
    { }

    // Chunks one file into the sink. Unreadable files become warnings; the entry is then marked
    // skipped (path cleared) and left out of the manifest. A file that changed while it was read
    // is read once more; if it changes again the second read is kept and marked as changing.
    Status process(SourceEntry& source, ChunkSink& sink, SharedState& shared, const ParallelFor& pool)
    {
        ManifestEntry& entry = source.entry;
        // O_NONBLOCK: a file replaced by a FIFO since the walk must not block the backup.
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
        UniqueFd fd(::open(source.absolutePath.constData(), flags | O_NOATIME));
        if (!fd && errno == EPERM)
            fd.reset(::open(source.absolutePath.constData(), flags)); // O_NOATIME needs ownership
        struct stat before
        { };
        if (!fd || ::fstat(fd.get(), &before) != 0 || !S_ISREG(before.st_mode)) {
            const int errnum = fd ? (S_ISREG(before.st_mode) ? errno : EINVAL) : errno;
            shared.warn(QStringLiteral("cannot read '%1': %2; it was left out")
                            .arg(displayPath(source.absolutePath), posix::errorText(errnum)));
            entry.path.clear();
            return {};
        }
        ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
        for (int attempt = 1;; ++attempt) {
            bool readable = true;
            if (auto status = readOnce(fd.get(), before, source, sink, shared, pool, readable); !status)
                return status;
            if (!readable || pool.cancelled())
                return {};
            struct stat after
            { };
            if (::fstat(fd.get(), &after) != 0) {
                shared.warn(QStringLiteral("cannot read '%1': %2; it was left out")
                                .arg(displayPath(source.absolutePath), posix::errorText(errno)));
                entry.path.clear();
                return {};
            }
            if (sameContentStamp(before, after))
                return {};
            if (attempt == 2) {
                entry.changing = true;
                shared.warn(QStringLiteral("'%1' kept changing while it was read; the snapshot holds its last read, "
                                           "which may be inconsistent")
                                .arg(displayPath(source.absolutePath)));
                return {};
            }
            before = after;
            // Unchanged fields of the walk (mode, owner...) stay: only the content is read again.
            entry.mtimeNs = static_cast<qint64>(after.st_mtim.tv_sec) * 1000000000LL + after.st_mtim.tv_nsec;
        }
    }

private:
    static bool sameContentStamp(const struct stat& a, const struct stat& b)
    {
        return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
            && a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
    }

    // One pass over the file's data. readable is cleared (and the entry skipped) on a read error.
    Status readOnce(int fd, const struct stat& st, SourceEntry& source, ChunkSink& sink, SharedState& shared,
        const ParallelFor& pool, bool& readable)
    {
        ManifestEntry& entry = source.entry;
        entry.chunks.clear();
        SparseReader reader(fd, st);
        std::uint8_t* buffer = m_buffer.data();
        const size_t capacity = m_buffer.size();
        size_t start = 0;
        size_t end = 0;
        bool eof = false;
        for (;;) {
            if (!eof && end - start < Chunker::maxChunkSize) {
                std::memmove(buffer, buffer + start, end - start);
                end -= start;
                start = 0;
                const auto wanted = static_cast<qint64>(capacity - end);
                auto n = reader.read(
                    reinterpret_cast<char*>(buffer + end), wanted, QString::fromLocal8Bit(source.absolutePath));
                if (!n) {
                    shared.warn(n.message() + QStringLiteral("; it was left out"));
                    entry.path.clear();
                    readable = false;
                    return {};
                }
                end += static_cast<size_t>(*n);
                eof = *n < wanted;
            }
            if (start == end)
                break;
            const size_t cut = m_chunker.nextCut(buffer + start, end - start);
            const ChunkRef ref { Sha256::hash(buffer + start, cut), static_cast<quint32>(cut) };
            if (auto status = sink.put(ref, buffer + start); !status)
                return status;
            entry.chunks.append(ref);
            failpoint("backup-chunk");
            start += cut;
            shared.bytesRead += static_cast<qint64>(cut);
            if (pool.cancelled())
                return {};
        }
        entry.size = reader.size();
        entry.holes = reader.holes();
        return {};
    }

    Chunker m_chunker;
    std::vector<std::uint8_t> m_buffer;
};

} // namespace

BackupJob::BackupJob(UserStore store, QString userName, QString sourceDir)
    : m_store(std::move(store))
    , m_userName(std::move(userName))
    , m_sourceDir(std::move(sourceDir))
{ }

Result<BackupResult> BackupJob::run()
{
    const qint64 startedMs = nowMs();
    auto tree = SourceWalker::walk(m_sourceDir, m_stop);
    if (!tree)
        return tree.error();
    if (!m_store.exists()) {
        if (auto status = m_store.create(m_userName); !status)
            return status.error();
    }

    ChunkSink sink(m_store, m_budget);

    QList<qint64> fileIndexes;
    for (qint64 i = 0; i < tree->entries.size(); ++i) {
        if (tree->entries.at(i).entry.type == ManifestEntry::Type::File && tree->entries.at(i).entry.size > 0)
            fileIndexes.append(i);
    }

    SharedState shared;
    shared.warnings = tree->warnings;
    ParallelFor pool(
        { m_workers > 0 ? m_workers : qMax(2, QThread::idealThreadCount()) + 2, m_stop, m_reportInterval });
    std::vector<FileReader> readers(
        static_cast<size_t>(qMin<qint64>(pool.threads(), qMax<qint64>(1, fileIndexes.size()))));

    // The calling thread keeps ConfigDb current and reports progress while the workers run.
    qint64 accounted = 0;
    auto account = [&](qint64 extra) -> Status {
        const qint64 delta = m_preAdded + sink.addedBytes() + extra - accounted;
        if (delta == 0 || !m_accountant)
            return {};
        Status status = m_accountant(delta);
        if (status)
            accounted += delta;
        return status;
    };
    BackupProgress progress;
    progress.filesTotal = tree->fileCount;
    progress.bytesTotal = tree->totalBytes;
    std::optional<Error> error;
    const Status ran = pool.run(
        fileIndexes.size(),
        [&](qint64 index, int worker) -> Status {
            if (auto status = readers[static_cast<size_t>(worker)].process(
                    tree->entries[fileIndexes.at(index)], sink, shared, pool);
                !status)
                return status;
            ++shared.filesDone;
            return {};
        },
        [&]() -> Status {
            if (auto status = account(0); !status)
                return status;
            if (m_progress) {
                progress.filesDone = shared.filesDone.load();
                progress.bytesRead = shared.bytesRead.load();
                progress.bytesAdded = m_preAdded + sink.addedBytes();
                m_progress(progress);
            }
            return {};
        });
    if (!ran)
        error = ran.error();

    if (!error && m_stop && m_stop->load())
        error = failed(QStringLiteral("backup cancelled; nothing was kept"));
    Manifest manifest;
    if (!error) {
        if (auto status = sink.syncDirectories(); !status)
            error = status.error();
    }
    QByteArray manifestJson;
    if (!error) {
        manifest.createdMs = startedMs;
        manifest.snapshotId = newSnapshotId(startedMs);
        manifest.userName = m_userName;
        manifest.userUuid = m_store.uuid();
        manifest.sourcePath = m_sourceDir;
        manifest.entries.reserve(tree->entries.size());
        QSet<QByteArray> kept; // a hard link needs the file it names in the snapshot
        for (SourceEntry& source : tree->entries) {
            ManifestEntry& entry = source.entry;
            if (entry.path.isEmpty())
                continue;
            if (entry.type == ManifestEntry::Type::HardLink && !kept.contains(entry.linkTarget)) {
                shared.warnings.append(QStringLiteral("'%1' was left out: it is another name of '%2', which could "
                                                      "not be read")
                                           .arg(displayPath(source.absolutePath), displayPath(entry.linkTarget)));
                continue;
            }
            if (entry.type == ManifestEntry::Type::File)
                kept.insert(entry.path);
            manifest.entries.append(std::move(entry));
        }
        manifestJson = manifest.toJson();
        if (m_budget && m_preAdded + sink.addedBytes() + manifestJson.size() > *m_budget)
            error
                = failed(QStringLiteral("the storage quota is exhausted: no room is left for the snapshot's manifest"));
    }
    if (!error) {
        if (auto status = account(manifestJson.size()); !status)
            error = status.error();
        else if (auto written = m_store.writeManifest(manifest); !written)
            error = written.error();
    }
    if (error) {
        sink.rollback();
        // Given back so the storage's count matches its disk; when even that fails the claim
        // behind the accountant keeps the bytes, and recovery settles them against the disk.
        if (m_accountant && accounted != 0) {
            if (auto status = m_accountant(-accounted); !status)
                qCWarning(lcStorage) << "a failed backup could not give back its bytes:" << status.message();
        }
        return *error;
    }

    if (m_progress) {
        progress.filesDone = progress.filesTotal;
        progress.bytesRead = shared.bytesRead.load();
        progress.bytesAdded = m_preAdded + sink.addedBytes() + manifestJson.size();
        m_progress(progress);
    }
    BackupResult result;
    result.snapshotId = manifest.snapshotId;
    result.createdMs = startedMs;
    result.files = manifest.fileCount();
    result.logicalBytes = manifest.logicalBytes();
    result.addedBytes = m_preAdded + sink.addedBytes() + manifestJson.size();
    result.chunksAdded = sink.addedChunks();
    result.chunksReused = sink.reusedChunks();
    result.warnings = shared.warnings;
    return result;
}

} // namespace pk
