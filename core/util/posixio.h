#pragma once

// Small, checked wrappers around the POSIX calls the storage code needs: full reads and writes
// that retry on EINTR, durable renames, directory creation, and errno texts for messages.

#include "result.h"
#include "uniquefd.h"

#include <QByteArray>
#include <QString>

#include <sys/stat.h>
#include <sys/types.h>

namespace pk::posix {

QString errorText(int errnum);
// "a FIFO", "a socket", "a directory"...: what a path is, for messages about the wrong type.
QString fileTypeName(mode_t mode);
// "cannot open '/x': Permission denied"
Error ioError(const QString& what, const QString& path, int errnum);

QByteArray encodePath(const QString& path);

Result<UniqueFd> openDirectory(const QString& path);
Result<UniqueFd> openReadOnly(const QString& path);

// A regular file opened for reading, and what fstat said of it.
struct RegularFile
{
    UniqueFd fd;
    struct stat st;
};
// Opens a file to read that must be a regular file: a missing one is NotFound, and a FIFO planted
// under its name neither blocks the open (O_NONBLOCK) nor gets read.
Result<RegularFile> openRegularFile(const QString& path);
// The same relative to nothing but with O_NOFOLLOW too: a symlink is refused like any other
// non-regular file. Errors name the path; a missing file is NotFound.
Result<RegularFile> openRegularFileNoFollow(const QString& path);

// Reads until count bytes or end of file; returns the number read.
Result<qint64> readFull(int fd, char* buffer, qint64 count, const QString& pathForErrors);
Status writeFull(int fd, const char* data, qint64 count, const QString& pathForErrors);
Result<QByteArray> readFile(const QString& path, qint64 maxBytes);

Status fsyncFd(int fd, const QString& pathForErrors);
Status fsyncDirectory(const QString& path);
// mkdir -p; the directories it creates get mode, owner-only by default (the umask can only
// narrow it); existing directories are kept as they are.
Status makePath(const QString& path, mode_t mode = 0700);

// Writes data to tmpDir under a unique name (mode 0600: storage and workspace files are
// owner-only), fsyncs it, renames it to finalPath and fsyncs the directory of finalPath: a reader
// sees the old file or the whole new one, never a part.
Status writeFileAtomically(const QString& finalPath, const QByteArray& data, const QString& tmpDir);

// A unique name for a temporary file of this process: "<pid>-<random>.tmp". The pid lets a later
// cleanup tell files of a live writer from garbage left by a crash.
QString temporaryName();
bool isProcessAlive(qint64 pid);

// Removes a directory tree without following symlinks. Missing is fine.
Status removeTree(const QString& path);

} // namespace pk::posix
