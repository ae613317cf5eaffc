#pragma once

// A new file written under a temporary name beside its final path and renamed into place by
// commit(), so a reader never sees half of it; a file that is never committed is removed.

#include "util/result.h"
#include "util/uniquefd.h"

#include <QString>

#include <sys/types.h>

namespace pk {

class AtomicFile
{
public:
    AtomicFile() = default;
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Creates "<dir of finalPath>/.<name>.<pid>-<random>.tmp" with mode (less the umask; owner-only
    // unless a caller needs more, like a rotated log keeping its source's mode); the final path is
    // not touched.
    Status create(const QString& finalPath, mode_t mode = 0600);
    // fsync, close, rename over the final path, fsync the directory.
    Status commit();
    // Closes and removes the temporary file (also done by the destructor).
    void discard();

    bool isOpen() const { return m_fd.isValid(); }
    int fd() const { return m_fd.get(); }
    QString finalPath() const { return m_finalPath; }
    QString temporaryPath() const { return m_temporaryPath; }

    // True for the temporary names create() makes for a file called finalFileName (no directory),
    // so an owner can remove what a crash left behind.
    static bool isTemporaryNameFor(const QString& fileName, const QString& finalFileName);

private:
    UniqueFd m_fd;
    QString m_finalPath;
    QString m_temporaryPath;
};

} // namespace pk
