#include "storageroot.h"

#include "ownermodes.h"
#include "util/logging.h"
#include "util/posixio.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace pk {

Status StorageRoot::checkUsableDirectory(const QString& path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return notFound(QStringLiteral("storage path '%1' does not exist: create the directory first").arg(path));
    if (!info.isDir())
        return failed(QStringLiteral("storage path '%1' is not a directory: give a directory").arg(path));
    // access(W_OK) is not enough (read-only mounts, root); creating a file is the real test.
    const QString probe = path + u'/' + QStringLiteral(".poolkeeper-probe-") + posix::temporaryName();
    const QByteArray encoded = posix::encodePath(probe);
    const int fd = ::open(encoded.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return failed(QStringLiteral("storage path '%1' is not writable (%2): fix its permissions or mount")
                          .arg(path, posix::errorText(errno)));
    ::close(fd);
    ::unlink(encoded.constData());
    return {};
}

QString StorageRoot::describePathProblem(const QString& path)
{
    if (path.trimmed().isEmpty())
        return QStringLiteral("Choose the storage's directory.");
    const QFileInfo info(path);
    if (!info.exists())
        return QStringLiteral("The directory does not exist.");
    if (!info.isDir())
        return QStringLiteral("This is a file, not a directory.");
    if (!info.isWritable())
        return QStringLiteral("The directory is not writable.");
    if (QFileInfo::exists(path + u'/' + QLatin1String(identityFile)))
        return QStringLiteral("The directory already holds a storage.");
    return {};
}

Result<QString> StorageRoot::canonicalPath(const QString& path)
{
    const QString canonical = QFileInfo(path).canonicalFilePath();
    if (canonical.isEmpty())
        return notFound(QStringLiteral("path '%1' does not exist").arg(path));
    return canonical;
}

Result<StorageIdentity> StorageRoot::readIdentity(const QString& path)
{
    const QString file = path + u'/' + QLatin1String(identityFile);
    if (!QFileInfo::exists(file))
        return notFound(QStringLiteral("'%1' holds no storage (no %2)").arg(path, QLatin1String(identityFile)));
    auto data = posix::readFile(file, 1 << 20);
    if (!data)
        return data.error();
    return parseIdentity(*data, file);
}

Result<StorageIdentity> StorageRoot::parseIdentity(const QByteArray& data, const QString& file)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    const QJsonObject object = document.object();
    if (parseError.error != QJsonParseError::NoError || !document.isObject()
        || !object.value(QLatin1String("storage_id")).isString())
        return failed(QStringLiteral(
            "'%1' is corrupt: it is not a storage identity; restore it from the ConfigDb record or a backup")
                          .arg(file));
    StorageIdentity identity;
    identity.format = object.value(QLatin1String("format")).toInt();
    identity.storageId = object.value(QLatin1String("storage_id")).toString();
    identity.name = object.value(QLatin1String("name")).toString();
    identity.pool = object.value(QLatin1String("pool")).toString();
    // The directory of the storage, as readIdentity was given it, for the message naming it.
    const QString suffix = u'/' + QLatin1String(identityFile);
    const QString path = file.endsWith(suffix) ? file.chopped(suffix.size()) : QFileInfo(file).path();
    if (identity.format > formatVersion)
        return failed(QStringLiteral(
            "storage '%1' was written by a newer Poolkeeper (format %2, this one reads %3): upgrade Poolkeeper")
                          .arg(path)
                          .arg(identity.format)
                          .arg(formatVersion));
    if (identity.format < 1)
        return failed(QStringLiteral("'%1' has an unknown format version: the storage identity is corrupt").arg(file));
    return identity;
}

Result<StorageRoot> StorageRoot::initialize(const QString& path, const StorageIdentity& identity)
{
    if (auto status = checkUsableDirectory(path); !status)
        return status.error();
    auto existing = readIdentity(path);
    if (existing)
        return failed(QStringLiteral("'%1' already holds storage '%2' of pool '%3': choose an empty directory")
                          .arg(path, existing->name, existing->pool));
    if (existing.error().code != ErrorCode::NotFound)
        return existing.error();

    StorageRoot root(path);
    for (const QString& dir : { root.usersDir(), root.tmpDir(), root.trashDir() }) {
        if (auto status = posix::makePath(dir); !status)
            return status.error();
    }
    // Everything this version writes is owner-only: the engine need not walk the new storage.
    if (auto status = OwnerModes::writeMarker(root); !status)
        return status.error();
    QJsonObject object;
    object.insert(QLatin1String("format"), formatVersion);
    object.insert(QLatin1String("storage_id"), identity.storageId);
    object.insert(QLatin1String("name"), identity.name);
    object.insert(QLatin1String("pool"), identity.pool);
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Indented);
    if (auto status = posix::writeFileAtomically(path + u'/' + QLatin1String(identityFile), json, root.tmpDir());
        !status)
        return status.error();
    return root;
}

Result<StorageRoot> StorageRoot::open(
    const QString& path, const QString& expectedStorageId, const QString& expectedName)
{
    if (!QFileInfo(path).isDir())
        return notFound(
            QStringLiteral("storage '%1': its path '%2' is missing or not a directory; is the disk mounted?")
                .arg(expectedName, path));
    auto identity = readIdentity(path);
    if (!identity) {
        if (identity.error().code == ErrorCode::NotFound)
            return failed(QStringLiteral("storage '%1': '%2' has no %3; is the right disk mounted there?")
                              .arg(expectedName, path, QLatin1String(identityFile)));
        return identity.error();
    }
    if (identity->storageId != expectedStorageId)
        return failed(
            QStringLiteral("storage '%1': '%2' holds another storage ('%3' of pool '%4'); were the paths swapped?")
                .arg(expectedName, path, identity->name, identity->pool));
    StorageRoot root(path);
    for (const QString& dir : { root.tmpDir(), root.trashDir() }) {
        if (auto status = posix::makePath(dir); !status)
            return status.error();
    }
    return root;
}

Result<StorageRoot> StorageRoot::open(const StorageRecord& storage)
{
    return open(storage.rootPath, storage.uuid, storage.name);
}

void StorageRoot::removeStaleTemporaries() const
{
    QDir dir(tmpDir());
    const QStringList names = dir.entryList(QDir::Files | QDir::Hidden | QDir::System);
    for (const QString& name : names) {
        const qint64 pid = name.section(u'-', 0, 0).toLongLong();
        if (!posix::isProcessAlive(pid))
            dir.remove(name);
    }
    // Trash entries are "<uuid>-<pid>-<random>.tmp": those of dead processes are left-overs.
    QDir trash(trashDir());
    for (const QString& name : trash.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
        const qint64 pid = name.section(u'-', -2, -2).toLongLong();
        if (!posix::isProcessAlive(pid)) {
            // Only space is at stake: the trash holds nothing anyone reads, and the next open tries again.
            if (auto removed = posix::removeTree(trash.filePath(name)); !removed)
                qCWarning(lcStorage) << "cannot empty the trash entry" << trash.filePath(name) << ":"
                                     << removed.message();
        }
    }
}

Status StorageRoot::emptyTrash() const
{
    QDir trash(trashDir());
    for (const QString& name :
        trash.entryList(QDir::Dirs | QDir::Files | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
        if (auto status = posix::removeTree(trash.filePath(name)); !status)
            return status;
    }
    return {};
}

Result<FilesystemSpace> filesystemSpace(const QString& path)
{
    struct statvfs st
    { };
    if (::statvfs(posix::encodePath(path).constData(), &st) != 0)
        return posix::ioError(QStringLiteral("query the filesystem of"), path, errno);
    FilesystemSpace space;
    space.totalBytes = static_cast<qint64>(st.f_blocks) * static_cast<qint64>(st.f_frsize);
    space.availableBytes = static_cast<qint64>(st.f_bavail) * static_cast<qint64>(st.f_frsize);
    return space;
}

} // namespace pk
