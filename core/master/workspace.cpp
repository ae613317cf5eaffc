#include "workspace.h"

#include "archive/atomicfile.h"
#include "util/posixio.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace pk {

namespace {

Result<std::unique_ptr<ConfigDb>> withWorkspace(Result<std::unique_ptr<ConfigDb>> db, const QString& directory)
{
    if (db)
        (*db)->setWorkspaceDir(directory);
    return db;
}

} // namespace

QString Workspace::defaultDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/poolkeeper");
}

QString Workspace::resolveDirectory(const QString& fromCommandLine)
{
    if (!fromCommandLine.isEmpty())
        return QDir::cleanPath(QDir::current().absoluteFilePath(fromCommandLine));
    const QString fromEnvironment = qEnvironmentVariable("POOLKEEPER_WORKSPACE");
    if (!fromEnvironment.isEmpty())
        return QDir::cleanPath(QDir::current().absoluteFilePath(fromEnvironment));
    return defaultDirectory();
}

QString Workspace::configDbPath(const QString& directory)
{
    return directory + u'/' + QLatin1String(ConfigDb::fileName);
}

QString Workspace::configPath(const QString& directory)
{
    return directory + QStringLiteral("/poolkeeper.conf");
}

Result<ConfigDbLocation> Workspace::configDbLocation(const QString& directory)
{
    const QString fromEnvironment = qEnvironmentVariable("POOLKEEPER_CONFIGDB");
    if (!fromEnvironment.isEmpty()) {
        auto location = ConfigDbLocation::parseUrl(fromEnvironment);
        if (!location)
            return failed(QStringLiteral("POOLKEEPER_CONFIGDB: %1").arg(location.error().message));
        return location;
    }
    const QString file = configPath(directory);
    if (!QFileInfo::exists(file))
        return ConfigDbLocation::sqlite(configDbPath(directory));
    auto text = posix::readFile(file, qint64(64) * 1024);
    if (!text)
        return text.error();
    std::optional<ConfigDbLocation> location;
    const QList<QByteArray> lines = text->split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = QString::fromUtf8(lines.at(i)).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const auto bad = [&](const QString& what) {
            return failed(QStringLiteral("%1 line %2: %3; fix or remove the line").arg(file).arg(i + 1).arg(what));
        };
        const qsizetype equals = line.indexOf(u'=');
        if (equals < 0)
            return bad(QStringLiteral("expected 'key = value'"));
        const QString key = line.left(equals).trimmed();
        const QString value = line.mid(equals + 1).trimmed();
        if (key != QLatin1String("configdb"))
            return bad(QStringLiteral("unknown setting '%1' (known: configdb)").arg(key));
        auto parsed = ConfigDbLocation::parseUrl(value);
        if (!parsed)
            return bad(parsed.error().message);
        location = *parsed;
    }
    if (!location)
        return ConfigDbLocation::sqlite(configDbPath(directory));
    return *location;
}

Status Workspace::writeConfig(const QString& directory, const ConfigDbLocation& location)
{
    QByteArray text = "# Poolkeeper workspace: where its ConfigDb lives. Owner-only: the URL may hold a password.\n";
    if (location.isPostgres())
        text += "configdb = " + location.url().toUtf8() + '\n';
    AtomicFile file;
    if (auto status = file.create(configPath(directory), 0600); !status)
        return status;
    if (auto status = posix::writeFull(file.fd(), text.constData(), text.size(), configPath(directory)); !status)
        return status;
    return file.commit();
}

Result<std::unique_ptr<ConfigDb>> Workspace::create(const QString& directory)
{
    auto location = configDbLocation(directory);
    if (!location)
        return location.error();
    return create(directory, *location);
}

Result<std::unique_ptr<ConfigDb>> Workspace::create(const QString& directory, const ConfigDbLocation& location)
{
    const QFileInfo info(directory);
    if (info.exists() && !info.isDir())
        return failed(
            QStringLiteral("workspace '%1' is not a directory: choose another path with --workspace").arg(directory));
    if (!location.isPostgres()) {
        if (auto status = posix::makePath(directory); !status)
            return status.error();
        return withWorkspace(ConfigDb::open(location, ConfigDb::OpenMode::Create), directory);
    }
    // The database first: nothing is written here when the server cannot be used.
    auto db = ConfigDb::open(location, ConfigDb::OpenMode::Create);
    if (!db)
        return db.error();
    if (auto status = posix::makePath(directory); !status)
        return status.error();
    return withWorkspace(std::move(db), directory);
}

Result<std::unique_ptr<ConfigDb>> Workspace::open(const QString& directory)
{
    const QFileInfo info(directory);
    if (!info.exists())
        return notFound(
            QStringLiteral("no workspace at '%1': run 'poolkeeper-cli init' first (or pass --workspace DIR)")
                .arg(directory));
    if (!info.isDir())
        return failed(
            QStringLiteral("workspace '%1' is not a directory: choose another path with --workspace").arg(directory));
    if (!info.isReadable() || !info.isExecutable())
        return failed(QStringLiteral("cannot read workspace '%1': check its permissions").arg(directory));
    auto location = configDbLocation(directory);
    if (!location)
        return location.error();
    if (location->isPostgres())
        return withWorkspace(ConfigDb::open(*location, ConfigDb::OpenMode::MustExist), directory);
    const QString dbPath = configDbPath(directory);
    if (!QFileInfo::exists(dbPath))
        return notFound(QStringLiteral("no workspace at '%1' (no %2): run 'poolkeeper-cli init' first")
                            .arg(directory, QLatin1String(ConfigDb::fileName)));
    return withWorkspace(ConfigDb::open(*location, ConfigDb::OpenMode::MustExist), directory);
}

} // namespace pk
