#include "archivereader.h"

#include "libarchiveio.h"
#include "util/posixio.h"

#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace pk {

namespace { } // namespace

ArchiveReader::ArchiveReader() = default;

ArchiveReader::~ArchiveReader()
{
    close();
}

void ArchiveReader::close()
{
    if (m_archive)
        archive_read_free(m_archive);
    m_archive = nullptr;
    m_source.reset();
    m_fd.reset();
    m_atEnd = false;
    m_entryName.clear();
}

Error ArchiveReader::damaged(const QString& what)
{
    return failed(QStringLiteral("'%1' is damaged (%2): %3")
                      .arg(m_path, what, libarchive::errorText(m_archive, QStringLiteral("unknown error"))));
}

Status ArchiveReader::open(const QString& path)
{
    close();
    m_path = path;
    auto opened = posix::openRegularFile(path);
    if (!opened)
        return opened.error();
    UniqueFd fd = std::move(opened->fd);
    auto source = std::make_unique<libarchive::FdSource>(fd.get(), path);
    libarchive::ReadHandle a(archive_read_new());
    if (!a)
        return failed(QStringLiteral("cannot read '%1': out of memory").arg(path));
    libarchive::enableDecompressionFilters(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_zip(a.get());
    archive_read_support_format_empty(a.get());
    if (archive_read_open(a.get(), source.get(), nullptr, libarchive::FdSource::read, nullptr) != ARCHIVE_OK)
        return failed(QStringLiteral("cannot read '%1': %2 (it is not a tar or zip archive, or it is damaged)")
                          .arg(path, libarchive::errorText(a.get(), QStringLiteral("unknown format"))));
    m_fd = std::move(fd);
    m_source = std::move(source);
    m_archive = a.release();
    return {};
}

Result<bool> ArchiveReader::next(ArchiveEntry& entry)
{
    if (!m_archive)
        return failed(QStringLiteral("cannot read: no archive is open"));
    if (m_atEnd)
        return false;
    archive_entry* e = nullptr;
    const int r = archive_read_next_header(m_archive, &e);
    if (r == ARCHIVE_EOF) {
        m_atEnd = true;
        return false;
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        return damaged(QStringLiteral("after entry '%1'").arg(m_entryName));
    const char* utf8 = archive_entry_pathname_utf8(e);
    const char* raw = archive_entry_pathname(e);
    entry = {};
    entry.name = utf8 ? QString::fromUtf8(utf8) : QFile::decodeName(raw ? raw : "");
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        entry.type = ArchiveEntry::Type::File;
        break;
    case AE_IFDIR:
        entry.type = ArchiveEntry::Type::Directory;
        break;
    case AE_IFLNK:
        entry.type = ArchiveEntry::Type::Symlink;
        break;
    default:
        entry.type = ArchiveEntry::Type::Other;
        break;
    }
    entry.size = archive_entry_size(e);
    entry.mode = static_cast<int>(archive_entry_perm(e));
    entry.mtimeSeconds = archive_entry_mtime(e);
    if (const char* target = archive_entry_symlink_utf8(e))
        entry.symlinkTarget = QString::fromUtf8(target);
    m_entryName = entry.name;
    return true;
}

Result<qint64> ArchiveReader::read(char* buffer, qint64 maxSize)
{
    if (!m_archive || m_entryName.isEmpty())
        return failed(QStringLiteral("cannot read: no archive entry is current"));
    if (maxSize <= 0)
        return qint64(0);
    const la_ssize_t n
        = archive_read_data(m_archive, buffer, static_cast<size_t>(qMin(maxSize, libarchive::maxReadSize)));
    if (n < 0)
        return damaged(QStringLiteral("in entry '%1'").arg(m_entryName));
    return qint64(n);
}

Result<QByteArray> ArchiveReader::readAll(qint64 maxBytes)
{
    QByteArray data;
    char buffer[64 * 1024];
    for (;;) {
        auto n = read(buffer, sizeof buffer);
        if (!n)
            return n.error();
        if (*n == 0)
            return data;
        if (data.size() + *n > maxBytes)
            return failed(
                QStringLiteral("entry '%1' of '%2' is larger than %3 bytes").arg(m_entryName, m_path).arg(maxBytes));
        data.append(buffer, *n);
    }
}

} // namespace pk
