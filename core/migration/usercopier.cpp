#include "usercopier.h"

#include "util/failpoint.h"
#include "util/logging.h"
#include "util/parallelfor.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QFileInfo>

#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {

namespace {

constexpr qint64 accountEvery = 16 * MiB;

// copy_file_range lets the kernel (or a reflink-capable filesystem) do the work; plain read and
// write when it is not supported between these two files.
Status copyFileData(int in, int out, qint64 size, const QString& displayPath)
{
    qint64 done = 0;
    bool kernelCopy = true;
    while (done < size) {
        if (kernelCopy) {
            const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(size - done), 0);
            if (n > 0) {
                done += n;
                continue;
            }
            if (n == 0)
                break;
            if (errno == EINTR)
                continue;
            if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                return posix::ioError(QStringLiteral("copy"), displayPath, errno);
            kernelCopy = false;
            if (::lseek(in, done, SEEK_SET) < 0 || ::lseek(out, done, SEEK_SET) < 0)
                return posix::ioError(QStringLiteral("copy"), displayPath, errno);
        }
        char buffer[1 << 16];
        const ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return posix::ioError(QStringLiteral("read"), displayPath, errno);
        if (n == 0)
            break;
        if (auto status = posix::writeFull(out, buffer, n, displayPath); !status)
            return status;
        done += n;
    }
    if (done != size)
        return failed(QStringLiteral("'%1' has %2 bytes, %3 expected: the source changed or is damaged")
                          .arg(displayPath)
                          .arg(done)
                          .arg(size));
    return {};
}

} // namespace

UserCopier::UserCopier(UserStore source, UserStore destination, QString userName)
    : m_source(std::move(source))
    , m_destination(std::move(destination))
    , m_userName(std::move(userName))
{ }

Status UserCopier::account(bool force)
{
    const qint64 delta = m_stats.bytesCopied - m_accounted;
    if (delta == 0 || (!force && delta < accountEvery))
        return {};
    if (m_accountant) {
        if (auto status = m_accountant(delta); !status)
            return status;
    }
    m_accounted += delta;
    return {};
}

Status UserCopier::syncDirectories()
{
    if (m_touched.isEmpty())
        return {};
    if (auto status = posix::fsyncDirectory(m_destination.chunksDir()); !status)
        return status;
    for (const QByteArray& dir : std::as_const(m_touched)) {
        if (auto status = posix::fsyncDirectory(QString::fromLocal8Bit(dir)); !status)
            return status;
    }
    m_touched.clear();
    return {};
}

// Runs on a worker thread: only the file system and the (thread-safe) rate limiter.
Status UserCopier::copyChunk(const ChunkRef& chunk, QByteArray& touchedFanout)
{
    if (m_limiter && !m_limiter->acquire(chunk.size, m_stop))
        return failed(QStringLiteral("stopped"));
    const QString sourcePath = m_source.chunkPath(chunk.hash);
    auto source = m_source.openChunk(chunk);
    if (!source)
        return failed(QStringLiteral("on the source: %1").arg(source.message()));
    const UniqueFd& in = source->fd;
    const QByteArray tmp = posix::encodePath(m_destination.tmpDir() + u'/' + posix::temporaryName());
    // Chunks are immutable and owner-only: read-only for the owner, nothing for anyone else.
    UniqueFd out(::open(tmp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400));
    if (!out)
        return posix::ioError(QStringLiteral("create"), QString::fromLocal8Bit(tmp), errno);
    Status status = copyFileData(in.get(), out.get(), chunk.size, sourcePath);
    if (status)
        status = posix::fsyncFd(out.get(), QString::fromLocal8Bit(tmp));
    out.reset();
    const QByteArray finalPath = posix::encodePath(m_destination.chunkPath(chunk.hash));
    const QByteArray fanout = posix::encodePath(m_destination.chunkFanoutDir(chunk.hash));
    if (status && ::mkdir(fanout.constData(), 0700) != 0 && errno != EEXIST)
        status = posix::ioError(QStringLiteral("create directory"), QString::fromLocal8Bit(fanout), errno);
    if (status && ::rename(tmp.constData(), finalPath.constData()) != 0)
        status = posix::ioError(QStringLiteral("rename into"), QString::fromLocal8Bit(finalPath), errno);
    if (!status) {
        ::unlink(tmp.constData());
        return status;
    }
    touchedFanout = fanout;
    m_copiedByWorkers += chunk.size;
    failpoint("copy-chunk");
    return {};
}

Status UserCopier::copyChunks(const QList<ChunkRef>& chunks)
{
    if (chunks.isEmpty())
        return {};
    std::mutex mutex; // guards m_touched and m_stats.chunksCopied
    const qint64 copiedBefore = m_copiedByWorkers.load();
    const qint64 statsBefore = m_stats.bytesCopied;
    ParallelFor pool({ m_workers, m_stop, std::chrono::milliseconds(100) });
    Status ran = pool.run(
        chunks.size(),
        [&](qint64 index, int) -> Status {
            QByteArray fanout;
            if (auto status = copyChunk(chunks.at(index), fanout); !status)
                return status;
            std::lock_guard lock(mutex);
            m_touched.insert(fanout);
            ++m_stats.chunksCopied;
            return {};
        },
        // This thread accounts and reports while the workers copy.
        [&]() -> Status {
            m_stats.bytesCopied = statsBefore + (m_copiedByWorkers.load() - copiedBefore);
            if (m_progress)
                m_progress(m_stats.bytesCopied);
            return account(false);
        });
    if (!ran)
        return ran;
    if (m_stop && m_stop->load())
        return failed(QStringLiteral("stopped"));
    return {};
}

Result<CopyStats> UserCopier::copy(const QStringList& snapshotIds)
{
    m_stats = {};
    m_accounted = 0;
    if (!m_destination.exists() || !QFileInfo::exists(m_destination.identityPath())) {
        if (auto status = m_destination.create(m_userName); !status)
            return status.error();
        m_stats.bytesCopied += QFileInfo(m_destination.identityPath()).size();
    }
    QSet<Digest> handled;
    Status status;
    for (const QString& id : snapshotIds) {
        auto manifest = m_source.readManifest(id);
        if (!manifest) {
            status = manifest.error();
            break;
        }
        QList<ChunkRef> missing;
        for (const ManifestEntry& entry : std::as_const(manifest->entries)) {
            for (const ChunkRef& chunk : entry.chunks) {
                if (handled.contains(chunk.hash))
                    continue;
                handled.insert(chunk.hash);
                if (m_destination.hasChunk(chunk)) {
                    // Perhaps copied by a killed run that never synced its directory.
                    ++m_stats.chunksPresent;
                    m_touched.insert(posix::encodePath(m_destination.chunkFanoutDir(chunk.hash)));
                } else {
                    missing.append(chunk);
                }
            }
        }
        if (m_stop && m_stop->load()) {
            status = failed(QStringLiteral("stopped"));
            break;
        }
        if (status = copyChunks(missing); !status)
            break;
        // The manifest comes last: the snapshot exists on the destination once all its chunks do.
        if (!QFileInfo::exists(m_destination.manifestPath(id))) {
            if (status = syncDirectories(); !status)
                break;
            if (status = m_destination.writeManifest(*manifest); !status)
                break;
            m_stats.bytesCopied += QFileInfo(m_destination.manifestPath(id)).size();
        }
        ++m_stats.snapshots;
    }
    if (status)
        status = syncDirectories();
    // A killed run may have left manifests, the user's directory or its entries in place without
    // syncing their directories: the copy is durable before anyone relies on it.
    for (const QString& dir : { m_destination.snapshotsDir(), m_destination.dir(), m_destination.root().usersDir() }) {
        if (status)
            status = posix::fsyncDirectory(dir);
    }
    if (!status) {
        // Chunks already renamed into place stay and are accounted; the caller rolls back or resumes.
        // Bytes that could not be accounted are found again by the rollback's claim check.
        if (auto accounted = account(true); !accounted)
            qCWarning(lcMigration) << "copy bytes not accounted after a failed sync:" << accounted.message();
        return status.error();
    }
    if (auto accounted = account(true); !accounted)
        return accounted.error();
    return m_stats;
}

Status UserCopier::removeExtraSnapshots(const QStringList& sourceIds)
{
    auto ids = m_destination.snapshotIds();
    if (!ids)
        return ids.error();
    for (const QString& id : std::as_const(*ids)) {
        if (!sourceIds.contains(id)) {
            if (auto status = m_destination.removeManifest(id); !status)
                return status;
        }
    }
    return {};
}

} // namespace pk
