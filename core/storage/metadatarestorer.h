#pragma once

// Puts back what a restore keeps besides content: owner and group (as root), the mode under the
// setuid/setgid rule, extended attributes and ACLs, and the mtime, in the order the kernel needs
// (a chown clears setuid bits and capabilities, so it comes first). Thread-safe once built.

#include "manifest.h"

#include <QHash>
#include <QStringList>

#include <mutex>
#include <sys/stat.h>
#include <sys/types.h>

namespace pk {

class MetadataRestorer
{
public:
    // Resolves every owner and group name of the manifest once. numericOwner uses the ids only.
    MetadataRestorer(const Manifest& manifest, bool numericOwner);

    // A file or directory open for writing or as a directory.
    Status applyToFd(int fd, const ManifestEntry& entry, const QString& display);
    // A symlink, FIFO, socket or device, by name in its directory: never followed, never opened.
    Status applyAt(int dirFd, const QByteArray& name, const ManifestEntry& entry, const QString& display);

    // One line for each thing a restore could not keep.
    void warn(const QString& text);
    QStringList warnings() const;

    static bool runsAsRoot();

private:
    struct Ids
    {
        uid_t uid;
        gid_t gid;
    };
    std::optional<Ids> wantedOwner(const ManifestEntry& entry) const;
    // The recorded mode, without setuid/setgid when the owner they belong to could not be given.
    quint32 allowedMode(const ManifestEntry& entry, const std::optional<Ids>& wanted, const struct stat& st) const;
    void warnOwner(const ManifestEntry& entry, const QString& display, int errnum);
    void warnAttribute(const ExtendedAttribute& attribute, const QString& display, int errnum);

    bool m_root;
    bool m_numericOwner;
    QHash<QByteArray, uid_t> m_uids; // names that exist here
    QHash<QByteArray, gid_t> m_gids;
    mutable std::mutex m_mutex; // guards m_warnings
    QStringList m_warnings;
};

} // namespace pk
