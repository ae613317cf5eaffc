#include "metadatarestorer.h"

#include "util/posixio.h"

#include <cerrno>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>

namespace pk {

namespace {

timespec fromNs(qint64 ns)
{
    timespec ts {};
    ts.tv_sec = static_cast<time_t>(ns / 1000000000LL);
    ts.tv_nsec = static_cast<long>(ns % 1000000000LL);
    if (ts.tv_nsec < 0) {
        ts.tv_nsec += 1000000000L;
        ts.tv_sec -= 1;
    }
    return ts;
}

std::optional<uid_t> uidOfName(const QByteArray& name)
{
    passwd entry {};
    passwd* result = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwnam_r(name.constData(), &entry, buffer.data(), buffer.size(), &result) == 0 && result)
        return result->pw_uid;
    return std::nullopt;
}

std::optional<gid_t> gidOfName(const QByteArray& name)
{
    group entry {};
    group* result = nullptr;
    std::vector<char> buffer(16384);
    if (::getgrnam_r(name.constData(), &entry, buffer.data(), buffer.size(), &result) == 0 && result)
        return result->gr_gid;
    return std::nullopt;
}

// A name below a directory descriptor as a path the *xattr calls take; the l- variants never
// follow the last component, and the descriptor pins the directory.
QByteArray pathAt(int dirFd, const QByteArray& name)
{
    return QByteArrayLiteral("/proc/self/fd/") + QByteArray::number(dirFd) + '/' + name;
}

} // namespace

MetadataRestorer::MetadataRestorer(const Manifest& manifest, bool numericOwner)
    : m_root(runsAsRoot())
    , m_numericOwner(numericOwner)
{
    if (!m_root || m_numericOwner)
        return;
    for (const ManifestEntry& entry : manifest.entries) {
        if (!entry.owner)
            continue;
        const QByteArray& user = entry.owner->userName;
        if (!user.isEmpty() && !m_uids.contains(user)) {
            if (auto uid = uidOfName(user))
                m_uids.insert(user, *uid);
        }
        const QByteArray& group = entry.owner->groupName;
        if (!group.isEmpty() && !m_gids.contains(group)) {
            if (auto gid = gidOfName(group))
                m_gids.insert(group, *gid);
        }
    }
}

bool MetadataRestorer::runsAsRoot()
{
    return ::geteuid() == 0;
}

std::optional<MetadataRestorer::Ids> MetadataRestorer::wantedOwner(const ManifestEntry& entry) const
{
    if (!entry.owner)
        return std::nullopt;
    const Ownership& owner = *entry.owner;
    // By name when the name exists here: ids differ between machines, names are what people mean.
    return Ids { m_uids.value(owner.userName, owner.uid), m_gids.value(owner.groupName, owner.gid) };
}

quint32 MetadataRestorer::allowedMode(
    const ManifestEntry& entry, const std::optional<Ids>& wanted, const struct stat& st) const
{
    quint32 mode = entry.mode;
    if (!wanted)
        return mode; // format 1 recorded no owner: restored as it always was
    if (st.st_uid != wanted->uid)
        mode &= ~quint32(S_ISUID);
    if (st.st_gid != wanted->gid)
        mode &= ~quint32(S_ISGID);
    return mode;
}

void MetadataRestorer::warn(const QString& text)
{
    std::lock_guard lock(m_mutex);
    m_warnings.append(text);
}

QStringList MetadataRestorer::warnings() const
{
    std::lock_guard lock(m_mutex);
    return m_warnings;
}

void MetadataRestorer::warnOwner(const ManifestEntry& entry, const QString& display, int errnum)
{
    warn(QStringLiteral("could not give '%1' its owner %2:%3: %4; it belongs to the restoring user")
             .arg(display)
             .arg(entry.owner->uid)
             .arg(entry.owner->gid)
             .arg(posix::errorText(errnum)));
}

void MetadataRestorer::warnAttribute(const ExtendedAttribute& attribute, const QString& display, int errnum)
{
    warn(QStringLiteral("could not keep the extended attribute '%1' of '%2': %3")
             .arg(displayPath(attribute.name), display, posix::errorText(errnum)));
}

Status MetadataRestorer::applyToFd(int fd, const ManifestEntry& entry, const QString& display)
{
    const auto wanted = wantedOwner(entry);
    if (wanted && m_root && ::fchown(fd, wanted->uid, wanted->gid) != 0)
        warnOwner(entry, display, errno);
    struct stat st
    { };
    if (::fstat(fd, &st) != 0)
        return posix::ioError(QStringLiteral("stat"), display, errno);
    if (::fchmod(fd, allowedMode(entry, wanted, st)) != 0)
        return posix::ioError(QStringLiteral("set the mode of"), display, errno);
    // After the chown (it clears security.capability) and the chmod (an access ACL sets the group
    // bits from its mask, which the recorded mode already agrees with).
    for (const ExtendedAttribute& attribute : entry.xattrs) {
        if (::fsetxattr(fd, attribute.name.constData(), attribute.value.constData(),
                static_cast<size_t>(attribute.value.size()), 0)
            != 0)
            warnAttribute(attribute, display, errno);
    }
    const timespec times[2] = { fromNs(entry.mtimeNs), fromNs(entry.mtimeNs) };
    if (::futimens(fd, times) != 0)
        return posix::ioError(QStringLiteral("set the time of"), display, errno);
    return {};
}

Status MetadataRestorer::applyAt(int dirFd, const QByteArray& name, const ManifestEntry& entry, const QString& display)
{
    const auto wanted = wantedOwner(entry);
    if (wanted && m_root && ::fchownat(dirFd, name.constData(), wanted->uid, wanted->gid, AT_SYMLINK_NOFOLLOW) != 0)
        warnOwner(entry, display, errno);
    struct stat st
    { };
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return posix::ioError(QStringLiteral("stat"), display, errno);
    // A symlink has no mode of its own on Linux.
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dirFd, name.constData(), allowedMode(entry, wanted, st), 0) != 0)
        return posix::ioError(QStringLiteral("set the mode of"), display, errno);
    const QByteArray path = pathAt(dirFd, name);
    for (const ExtendedAttribute& attribute : entry.xattrs) {
        if (::lsetxattr(path.constData(), attribute.name.constData(), attribute.value.constData(),
                static_cast<size_t>(attribute.value.size()), 0)
            != 0)
            warnAttribute(attribute, display, errno);
    }
    const timespec times[2] = { fromNs(entry.mtimeNs), fromNs(entry.mtimeNs) };
    if (::utimensat(dirFd, name.constData(), times, AT_SYMLINK_NOFOLLOW) != 0)
        return posix::ioError(QStringLiteral("set the time of"), display, errno);
    return {};
}

} // namespace pk
