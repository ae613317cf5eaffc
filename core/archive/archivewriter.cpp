#include "archivewriter.h"

#include "libarchiveio.h"
#include "util/posixio.h"
#include "util/sizes.h"

#include <QDateTime>

#include <cerrno>
#include <sys/stat.h>

namespace pk {

namespace {

constexpr qint64 copyBlockSize = 256 * KiB;

bool isSafeName(const QString& name)
{
    if (name.isEmpty() || name.startsWith(u'/') || name.contains(QChar(0)) || name.contains(u'\\'))
        return false;
    for (const QStringView part : QStringView(name).split(u'/')) {
        if (part.isEmpty() || part == u"." || part == u"..")
            return false;
    }
    return true;
}

} // namespace

ArchiveWriter::ArchiveWriter() = default;

ArchiveWriter::~ArchiveWriter()
{
    discard();
}

void ArchiveWriter::discard()
{
    if (m_archive) {
        // archive_write_free() finishes the archive into the temporary file, which is removed
        // next. Not archive_write_fail(): with it libarchive 3.6 never ends zlib's stream, and
        // leaks its state.
        archive_write_free(m_archive);
    }
    m_archive = nullptr;
    m_sink.reset();
    m_file.discard();
}

Status ArchiveWriter::archiveError(const QString& what)
{
    return failed(QStringLiteral("cannot %1 in '%2': %3")
                      .arg(what, m_path, libarchive::errorText(m_archive, QStringLiteral("unknown error"))));
}

Status ArchiveWriter::open(const QString& path)
{
    discard();
    m_path = path;
    if (auto status = m_file.create(path); !status)
        return status;
    libarchive::WriteHandle a(archive_write_new());
    if (!a)
        return failed(QStringLiteral("cannot write '%1': out of memory").arg(path));
    m_sink = std::make_unique<libarchive::FdSink>(m_file.fd(), m_file.temporaryPath());
    // pax restricted: plain ustar headers unless a name or size needs a pax extension.
    if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK
        || archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK
        || archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK
        || archive_write_open(a.get(), m_sink.get(), nullptr, libarchive::FdSink::write, nullptr) != ARCHIVE_OK) {
        Status status = failed(QStringLiteral("cannot write '%1': %2")
                                   .arg(path, libarchive::errorText(a.get(), QStringLiteral("unknown error"))));
        a.reset();
        discard();
        return status;
    }
    m_archive = a.release();
    return {};
}

Status ArchiveWriter::writeHeader(
    const QString& nameInArchive, qint64 size, int mode, qint64 mtimeSeconds, qint64 mtimeNanoseconds)
{
    if (!m_archive)
        return failed(QStringLiteral("cannot add '%1': the archive is not open").arg(nameInArchive));
    if (!isSafeName(nameInArchive))
        return usageError(QStringLiteral("cannot add '%1' to '%2': names must be relative paths without '.' or '..' "
                                         "components")
                              .arg(nameInArchive, m_path));
    libarchive::EntryHandle entry(archive_entry_new());
    if (!entry)
        return failed(QStringLiteral("cannot add '%1': out of memory").arg(nameInArchive));
    archive_entry_set_pathname_utf8(entry.get(), nameInArchive.toUtf8().constData());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), static_cast<mode_t>(mode & 07777));
    archive_entry_set_size(entry.get(), size);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtimeSeconds), static_cast<long>(mtimeNanoseconds));
    if (archive_write_header(m_archive, entry.get()) != ARCHIVE_OK)
        return archiveError(QStringLiteral("add '%1'").arg(nameInArchive));
    return {};
}

Status ArchiveWriter::addData(const QString& nameInArchive, const QByteArray& data, int mode)
{
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (auto status = writeHeader(nameInArchive, data.size(), mode, nowMs / 1000, (nowMs % 1000) * 1000000); !status)
        return status;
    if (!data.isEmpty()
        && archive_write_data(m_archive, data.constData(), static_cast<size_t>(data.size())) != data.size())
        return archiveError(QStringLiteral("write '%1'").arg(nameInArchive));
    if (archive_write_finish_entry(m_archive) != ARCHIVE_OK)
        return archiveError(QStringLiteral("finish '%1'").arg(nameInArchive));
    return {};
}

Status ArchiveWriter::addFile(const QString& nameInArchive, const QString& localPath)
{
    if (!m_archive)
        return failed(QStringLiteral("cannot add '%1': the archive is not open").arg(localPath));
    auto fd = posix::openReadOnly(localPath);
    if (!fd)
        return fd.error();
    struct stat st = {};
    if (::fstat(fd->get(), &st) != 0)
        return posix::ioError(QStringLiteral("stat"), localPath, errno);
    if (!S_ISREG(st.st_mode))
        return usageError(QStringLiteral("cannot add '%1': only regular files can be added").arg(localPath));
    if (auto status = writeHeader(
            nameInArchive, st.st_size, static_cast<int>(st.st_mode & 07777), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        !status)
        return status;

    // Exactly st_size bytes: the tar header already promised that many.
    QByteArray buffer(copyBlockSize, Qt::Uninitialized);
    qint64 remaining = st.st_size;
    while (remaining > 0) {
        auto n = posix::readFull(fd->get(), buffer.data(), qMin<qint64>(remaining, buffer.size()), localPath);
        if (!n)
            return n.error();
        if (*n == 0)
            break;
        if (archive_write_data(m_archive, buffer.constData(), static_cast<size_t>(*n)) != *n)
            return archiveError(QStringLiteral("write '%1'").arg(nameInArchive));
        remaining -= *n;
    }
    // finish_entry pads a short entry with zeros, which keeps the archive itself valid.
    if (archive_write_finish_entry(m_archive) != ARCHIVE_OK)
        return archiveError(QStringLiteral("finish '%1'").arg(nameInArchive));
    if (remaining > 0)
        return failed(
            QStringLiteral("'%1' shrank while it was archived: its entry '%2' is incomplete; archive it again")
                .arg(localPath, nameInArchive));
    return {};
}

Status ArchiveWriter::close()
{
    if (!m_archive)
        return failed(QStringLiteral("cannot close '%1': the archive is not open").arg(m_path));
    if (archive_write_close(m_archive) != ARCHIVE_OK) {
        Status status = archiveError(QStringLiteral("finish the archive"));
        discard();
        return status;
    }
    archive_write_free(m_archive);
    m_archive = nullptr;
    m_sink.reset();
    return m_file.commit();
}

} // namespace pk
