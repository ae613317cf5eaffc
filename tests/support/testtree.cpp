#include "testtree.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pk::test {

namespace {

QByteArray enc(const QString& path)
{
    return QFile::encodeName(path);
}

// Byte paths all the way: a QString would lose names that are not UTF-8.
QByteArray readAll(const QByteArray& path)
{
    QByteArray data;
    const int fd = ::open(path.constData(), O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return "<unreadable>";
    char buffer[1 << 16];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        data.append(buffer, n);
    ::close(fd);
    return data;
}

QStringList listDir(const QByteArray& path)
{
    QStringList names;
    DIR* dir = ::opendir(path.constData());
    if (!dir)
        return names;
    while (dirent* entry = ::readdir(dir)) {
        const QByteArray name(entry->d_name);
        if (name != "." && name != "..")
            names.append(QString::fromLatin1(name.toHex())); // raw bytes survive non-UTF-8 names
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

void setMtime(const QByteArray& path, qint64 seconds, long nanoseconds, bool noFollow)
{
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = seconds;
    times[0].tv_nsec = times[1].tv_nsec = nanoseconds;
    ::utimensat(AT_FDCWD, path.constData(), times, noFollow ? AT_SYMLINK_NOFOLLOW : 0);
}

} // namespace

bool runningAsRoot()
{
    return ::geteuid() == 0;
}

void writeRandomFile(const QString& path, qint64 size, quint32 seed)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot create %s", qPrintable(path));
    QRandomGenerator random(seed);
    QByteArray block(1 << 20, Qt::Uninitialized);
    qint64 left = size;
    while (left > 0) {
        const qint64 n = qMin<qint64>(left, block.size());
        random.fillRange(reinterpret_cast<quint32*>(block.data()), static_cast<qsizetype>((n + 3) / 4));
        file.write(block.constData(), n);
        left -= n;
    }
}

TreeStats generateTree(const QString& root, const TreeSpec& spec)
{
    QRandomGenerator random(spec.seed);
    TreeStats stats;
    QStringList dirs { root };
    static const QStringList unicode { QStringLiteral("Ünïcödé"), QStringLiteral("日本語のファイル"),
        QStringLiteral("with space"), QStringLiteral("emoji 🎉"), QStringLiteral("Ελληνικά") };
    for (int i = 0; i < spec.directories; ++i) {
        const QString parent = dirs.at(random.bounded(static_cast<int>(dirs.size())));
        if (parent.count(u'/') - root.count(u'/') >= spec.maxDepth)
            continue;
        QString name = QStringLiteral("dir%1").arg(i);
        if (spec.unicodeNames && i % 4 == 1)
            name = unicode.at(i % unicode.size()) + QString::number(i);
        const QString path = parent + u'/' + name;
        QDir().mkpath(path);
        dirs.append(path);
        ++stats.directories;
    }
    // One deep chain so that depth is exercised whatever the random choices were.
    QString deep = root + QStringLiteral("/deep");
    for (int level = 0; level < spec.maxDepth + 6; ++level) {
        deep += QStringLiteral("/level%1").arg(level);
        QDir().mkpath(deep);
        ++stats.directories;
    }
    dirs.append(deep);
    ++stats.directories; // "deep" itself

    for (int i = 0; i < spec.files; ++i) {
        const QString& dir = dirs.at(random.bounded(static_cast<int>(dirs.size())));
        QString name = QStringLiteral("file%1.dat").arg(i);
        if (spec.unicodeNames && i % 7 == 3)
            name = unicode.at(i % unicode.size()) + QStringLiteral(" %1.txt").arg(i);
        const auto size = static_cast<qint64>(random.bounded(static_cast<quint64>(spec.smallFileMax))) + 1;
        writeRandomFile(dir + u'/' + name, size, spec.seed * 7919 + static_cast<quint32>(i));
        stats.bytes += size;
        ++stats.files;
    }
    for (int i = 0; i < spec.bigFiles; ++i) {
        const qint64 size = spec.bigFileSize + qint64(i) * 333333;
        writeRandomFile(dirs.at(i % dirs.size()) + QStringLiteral("/big%1.bin").arg(i), size,
            spec.seed * 104729 + static_cast<quint32>(i));
        stats.bytes += size;
        ++stats.files;
    }
    for (int i = 0; i < spec.emptyFiles; ++i) {
        QFile file(dirs.at(random.bounded(static_cast<int>(dirs.size()))) + QStringLiteral("/empty%1").arg(i));
        file.open(QIODevice::WriteOnly);
        ++stats.files;
    }
    for (int i = 0; i < spec.emptyDirectories; ++i) {
        QDir().mkpath(root + QStringLiteral("/empty-dir-%1/inner").arg(i));
        stats.directories += 2;
    }
    for (int i = 0; i < spec.symlinks; ++i) {
        const QString& dir = dirs.at(random.bounded(static_cast<int>(dirs.size())));
        const QByteArray target = i % 2 ? QByteArray("../nowhere/dangling") : QByteArray("file0.dat");
        const QByteArray link = enc(dir + QStringLiteral("/link%1").arg(i));
        if (::symlink(target.constData(), link.constData()) != 0)
            qFatal("cannot create the symbolic link %s: %s", link.constData(), std::strerror(errno));
        ++stats.symlinks;
    }
    if (spec.nonUtf8Name) {
        const QByteArray path = enc(root) + "/latin1-\xe9t\xe9.txt";
        const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (::write(fd, "not utf-8 name\n", 15) == 15)
            stats.bytes += 15;
        ::close(fd);
        ++stats.files;
    }
    // Modes and mtimes that differ from the defaults, so that restoring them is really tested.
    ::chmod(enc(root + QStringLiteral("/deep")).constData(), 0750);
    if (QFile::exists(root + QStringLiteral("/dir0")))
        ::chmod(enc(root + QStringLiteral("/dir0")).constData(), 0711);
    int index = 0;
    std::function<void(const QByteArray&)> touch = [&](const QByteArray& dir) {
        for (const QString& hexName : listDir(dir)) {
            const QByteArray path = dir + '/' + QByteArray::fromHex(hexName.toLatin1());
            struct stat st
            { };
            ::lstat(path.constData(), &st);
            ++index;
            if (S_ISDIR(st.st_mode))
                touch(path);
            if (S_ISREG(st.st_mode) && index % 5 == 0)
                ::chmod(path.constData(), index % 10 == 0 ? 0600 : 0755);
            setMtime(path, 1500000000 + index * 97, (index * 1237) % 1000000000, true);
        }
    };
    touch(enc(root));
    return stats;
}

QStringList compareTrees(const QString& expected, const QString& actual, bool compareDirMtimes)
{
    QStringList differences;
    std::function<void(const QByteArray&, const QByteArray&, const QString&)> walk
        = [&](const QByteArray& a, const QByteArray& b, const QString& rel) {
              const QStringList left = listDir(a);
              const QStringList right = listDir(b);
              if (left != right) {
                  for (const QString& name : left) {
                      if (!right.contains(name))
                          differences.append(QStringLiteral("missing in restore: %1/%2")
                                                 .arg(rel, QString::fromUtf8(QByteArray::fromHex(name.toLatin1()))));
                  }
                  for (const QString& name : right) {
                      if (!left.contains(name))
                          differences.append(QStringLiteral("extra in restore: %1/%2")
                                                 .arg(rel, QString::fromUtf8(QByteArray::fromHex(name.toLatin1()))));
                  }
              }
              for (const QString& hexName : left) {
                  if (!right.contains(hexName))
                      continue;
                  const QByteArray name = QByteArray::fromHex(hexName.toLatin1());
                  const QByteArray pa = a + '/' + name;
                  const QByteArray pb = b + '/' + name;
                  const QString where = rel + u'/' + QString::fromUtf8(name);
                  struct stat sa
                  {
                  }, sb {};
                  ::lstat(pa.constData(), &sa);
                  ::lstat(pb.constData(), &sb);
                  if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) {
                      differences.append(QStringLiteral("type differs: %1").arg(where));
                      continue;
                  }
                  if (!S_ISLNK(sa.st_mode) && (sa.st_mode & 07777) != (sb.st_mode & 07777))
                      differences.append(QStringLiteral("mode differs: %1 (%2 vs %3)")
                                             .arg(where)
                                             .arg(sa.st_mode & 07777, 0, 8)
                                             .arg(sb.st_mode & 07777, 0, 8));
                  const bool checkTime = !S_ISDIR(sa.st_mode) || compareDirMtimes;
                  if (checkTime && (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec || sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec))
                      differences.append(QStringLiteral("mtime differs: %1").arg(where));
                  if (S_ISLNK(sa.st_mode)) {
                      char ta[4096], tb[4096];
                      const ssize_t na = ::readlink(pa.constData(), ta, sizeof ta);
                      const ssize_t nb = ::readlink(pb.constData(), tb, sizeof tb);
                      if (na != nb || QByteArray(ta, na) != QByteArray(tb, nb))
                          differences.append(QStringLiteral("symlink target differs: %1").arg(where));
                  } else if (S_ISDIR(sa.st_mode)) {
                      walk(pa, pb, where);
                  } else if (S_ISREG(sa.st_mode)) {
                      if (sa.st_size != sb.st_size)
                          differences.append(QStringLiteral("size differs: %1").arg(where));
                      else if (readAll(pa) != readAll(pb))
                          differences.append(QStringLiteral("content differs: %1").arg(where));
                  }
              }
          };
    walk(enc(expected), enc(actual), QString());
    return differences;
}

QByteArray fingerprint(const QString& root)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    std::function<void(const QByteArray&)> walk = [&](const QByteArray& dir) {
        for (const QString& hexName : listDir(dir)) {
            const QByteArray path = dir + '/' + QByteArray::fromHex(hexName.toLatin1());
            struct stat st
            { };
            ::lstat(path.constData(), &st);
            hash.addData(path);
            hash.addData(QByteArray::number(st.st_mode));
            hash.addData(QByteArray::number(static_cast<qint64>(st.st_size)));
            if (S_ISDIR(st.st_mode)) {
                walk(path);
            } else if (S_ISREG(st.st_mode)) {
                hash.addData(QByteArray::number(static_cast<qint64>(st.st_mtim.tv_sec)));
                hash.addData(readAll(path));
            }
        }
    };
    walk(enc(root));
    return hash.result().toHex();
}

} // namespace pk::test
