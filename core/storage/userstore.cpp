#include "userstore.h"

#include "configdb/storagerepo.h"
#include "util/posixio.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace pk {

UserStore::UserStore(StorageRoot root, QString userUuid)
    : m_root(std::move(root))
    , m_uuid(std::move(userUuid))
    , m_dir(m_root.userDir(m_uuid))
{ }

Result<UserStore> UserStore::open(ConfigDb& db, const UserRecord& user)
{
    auto storage = StorageRepo(db).byId(user.storageId);
    if (!storage)
        return storage.error();
    auto root = StorageRoot::open(*storage);
    if (!root)
        return root.error();
    return UserStore(*root, user.uuid);
}

QString UserStore::chunkFanoutDir(const Digest& digest) const
{
    return chunksDir() + u'/' + QString::fromLatin1(digest.hexBytes().left(2));
}

QString UserStore::chunkPath(const Digest& digest) const
{
    const QByteArray hex = digest.hexBytes();
    return chunksDir() + u'/' + QString::fromLatin1(hex.left(2)) + u'/' + QString::fromLatin1(hex);
}

QString UserStore::manifestPath(const QString& snapshotId) const
{
    return snapshotsDir() + u'/' + snapshotId + QStringLiteral(".json");
}

bool UserStore::exists() const
{
    return QFileInfo(m_dir).isDir();
}

Status UserStore::create(const QString& userName) const
{
    for (const QString& dir : { chunksDir(), snapshotsDir() }) {
        if (auto status = posix::makePath(dir); !status)
            return status;
    }
    if (QFileInfo::exists(identityPath()))
        return {};
    QJsonObject object;
    object.insert(QLatin1String("format"), 1);
    object.insert(QLatin1String("name"), userName);
    object.insert(QLatin1String("uuid"), m_uuid);
    if (auto status = posix::writeFileAtomically(identityPath(), QJsonDocument(object).toJson(), tmpDir()); !status)
        return status;
    return posix::fsyncDirectory(m_root.usersDir());
}

Result<UserIdentity> UserStore::readIdentity() const
{
    const QString path = identityPath();
    auto data = posix::readFile(path, 1 << 20);
    if (!data)
        return data.error();
    return parseIdentity(*data, path, m_uuid);
}

Result<UserIdentity> UserStore::parseIdentity(const QByteArray& data, const QString& path, const QString& expectedUuid)
{
    const QJsonObject object = QJsonDocument::fromJson(data).object();
    UserIdentity identity { object.value(QLatin1String("name")).toString(),
        object.value(QLatin1String("uuid")).toString() };
    if (identity.uuid != expectedUuid)
        return failed(QStringLiteral("'%1' is corrupt or belongs to another user").arg(path));
    return identity;
}

Result<QStringList> UserStore::snapshotIds() const
{
    QDir dir(snapshotsDir());
    if (!dir.exists())
        return notFound(QStringLiteral("no snapshot directory at '%1'").arg(snapshotsDir()));
    QStringList ids;
    const QStringList names = dir.entryList({ QStringLiteral("*.json") }, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        const QString id = name.chopped(5);
        if (isValidSnapshotId(id))
            ids.append(id);
    }
    return ids;
}

Result<Manifest> UserStore::readManifest(const QString& snapshotId) const
{
    if (!isValidSnapshotId(snapshotId))
        return notFound(QStringLiteral("'%1' is not a valid snapshot id").arg(snapshotId));
    const QString path = manifestPath(snapshotId);
    if (!QFileInfo::exists(path))
        return notFound(QStringLiteral("no snapshot '%1'").arg(snapshotId));
    auto data = posix::readFile(path, maxManifestBytes);
    if (!data)
        return data.error();
    auto manifest = Manifest::fromJson(*data, path);
    if (!manifest)
        return manifest;
    if (manifest->snapshotId != snapshotId)
        return failed(
            QStringLiteral("manifest '%1' is corrupt: it describes snapshot '%2'").arg(path, manifest->snapshotId));
    return manifest;
}

QList<SnapshotRecord> UserStore::snapshotRecords() const
{
    QList<SnapshotRecord> snapshots;
    auto ids = snapshotIds();
    if (!ids)
        return snapshots;
    for (const QString& id : std::as_const(*ids)) {
        SnapshotRecord snapshot;
        snapshot.snapshotId = id;
        if (auto manifest = readManifest(id)) {
            snapshot.createdMs = manifest->createdMs;
            snapshot.files = manifest->fileCount();
            snapshot.logicalBytes = manifest->logicalBytes();
        }
        snapshots.append(snapshot);
    }
    return snapshots;
}

Status UserStore::writeManifest(const Manifest& manifest) const
{
    return posix::writeFileAtomically(manifestPath(manifest.snapshotId), manifest.toJson(), tmpDir());
}

Status UserStore::removeManifest(const QString& snapshotId) const
{
    if (::unlink(posix::encodePath(manifestPath(snapshotId)).constData()) != 0 && errno != ENOENT)
        return posix::ioError(QStringLiteral("remove"), manifestPath(snapshotId), errno);
    return {};
}

bool UserStore::hasChunk(const ChunkRef& chunk) const
{
    struct stat st
    { };
    return ::lstat(posix::encodePath(chunkPath(chunk.hash)).constData(), &st) == 0 && S_ISREG(st.st_mode)
        && st.st_size == static_cast<off_t>(chunk.size);
}

namespace {

Error wrongChunkSize(const ChunkRef& chunk, qint64 actual)
{
    return failed(QStringLiteral("chunk %1 has the wrong size (%2 bytes, expected %3)")
                      .arg(chunk.hash.hex())
                      .arg(actual)
                      .arg(chunk.size));
}

Error wrongChunkType(const ChunkRef& chunk, mode_t mode)
{
    return failed(QStringLiteral("chunk %1 is not a regular file but %2: the storage is damaged")
                      .arg(chunk.hash.hex(), posix::fileTypeName(mode)));
}

} // namespace

Status UserStore::checkChunk(const ChunkRef& chunk) const
{
    const QString path = chunkPath(chunk.hash);
    struct stat st
    { };
    if (::lstat(posix::encodePath(path).constData(), &st) != 0)
        return errno == ENOENT ? failed(QStringLiteral("chunk %1 is missing").arg(chunk.hash.hex()))
                               : posix::ioError(QStringLiteral("stat"), path, errno);
    if (!S_ISREG(st.st_mode))
        return wrongChunkType(chunk, st.st_mode);
    if (st.st_size != static_cast<off_t>(chunk.size))
        return wrongChunkSize(chunk, st.st_size);
    return {};
}

Result<posix::RegularFile> UserStore::openChunk(const ChunkRef& chunk) const
{
    const QString path = chunkPath(chunk.hash);
    const QByteArray encoded = posix::encodePath(path);
    struct stat st
    { };
    // Checked first so that the message names what is there; the open below checks again.
    if (::lstat(encoded.constData(), &st) != 0)
        return errno == ENOENT ? failed(QStringLiteral("chunk %1 is missing").arg(chunk.hash.hex()))
                               : posix::ioError(QStringLiteral("stat"), path, errno);
    if (!S_ISREG(st.st_mode))
        return wrongChunkType(chunk, st.st_mode);
    auto file = posix::openRegularFileNoFollow(path);
    if (!file) {
        if (file.error().code == ErrorCode::NotFound)
            return failed(QStringLiteral("chunk %1 is missing").arg(chunk.hash.hex()));
        return file.error();
    }
    if (file->st.st_size != static_cast<off_t>(chunk.size))
        return wrongChunkSize(chunk, file->st.st_size);
    return file;
}

Status UserStore::readChunk(const ChunkRef& chunk, QByteArray& buffer, bool verify) const
{
    auto file = openChunk(chunk);
    if (!file)
        return file.error();
    const QString path = chunkPath(chunk.hash);
    buffer.resize(static_cast<qsizetype>(chunk.size) + 1);
    auto n = posix::readFull(file->fd.get(), buffer.data(), buffer.size(), path);
    if (!n)
        return n.error();
    if (*n != static_cast<qint64>(chunk.size))
        return wrongChunkSize(chunk, *n);
    buffer.resize(static_cast<qsizetype>(chunk.size));
    if (verify && Sha256::hash(buffer.constData(), static_cast<size_t>(buffer.size())) != chunk.hash)
        return failed(QStringLiteral("chunk %1 has the wrong hash: its content is damaged").arg(chunk.hash.hex()));
    return {};
}

UserStore::MappedChunk::MappedChunk(MappedChunk&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{ }

UserStore::MappedChunk& UserStore::MappedChunk::operator=(MappedChunk&& other) noexcept
{
    if (this != &other) {
        if (m_data)
            ::munmap(m_data, static_cast<size_t>(m_size));
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

UserStore::MappedChunk::~MappedChunk()
{
    if (m_data)
        ::munmap(m_data, static_cast<size_t>(m_size));
}

Result<UserStore::MappedChunk> UserStore::mapChunk(const ChunkRef& chunk, bool verify) const
{
    auto file = openChunk(chunk);
    if (!file)
        return file.error();
    MappedChunk mapped;
    if (chunk.size == 0)
        return mapped;
    // MAP_POPULATE: the pages come in at once instead of one fault at a time.
    void* data = ::mmap(nullptr, chunk.size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, file->fd.get(), 0);
    if (data == MAP_FAILED)
        return posix::ioError(QStringLiteral("map"), chunkPath(chunk.hash), errno);
    mapped.m_data = data;
    mapped.m_size = chunk.size;
    if (verify && Sha256::hash(data, chunk.size) != chunk.hash)
        return failed(QStringLiteral("chunk %1 has the wrong hash: its content is damaged").arg(chunk.hash.hex()));
    return mapped;
}

Result<qint64> UserStore::diskUsage() const
{
    qint64 total = 0;
    QDirIterator it(m_dir, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        if (it.fileName() != QLatin1String(".lock"))
            total += it.fileInfo().size();
    }
    return total;
}

Status UserStore::moveToTrash() const
{
    // Renamed away, atomically: once gone from users/, nobody can create a file in it any more
    // (a lock file, a late backup), and a crash leaves only trash, never half a user.
    const QString trash = m_root.trashDir() + u'/' + m_uuid + u'-' + posix::temporaryName();
    if (auto status = posix::makePath(m_root.trashDir()); !status)
        return status;
    if (::rename(posix::encodePath(m_dir).constData(), posix::encodePath(trash).constData()) != 0) {
        if (errno == ENOENT)
            return {};
        return posix::ioError(QStringLiteral("remove"), m_dir, errno);
    }
    return posix::fsyncDirectory(m_root.usersDir());
}

Status UserStore::remove() const
{
    if (auto status = moveToTrash(); !status)
        return status;
    return m_root.emptyTrash();
}

} // namespace pk
