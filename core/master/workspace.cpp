#include "workspace.h"

#include "util/posixio.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace pk {

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

Result<std::unique_ptr<ConfigDb>> Workspace::create(const QString& directory)
{
    const QFileInfo info(directory);
    if (info.exists() && !info.isDir())
        return failed(
            QStringLiteral("workspace '%1' is not a directory: choose another path with --workspace").arg(directory));
    if (auto status = posix::makePath(directory); !status)
        return status.error();
    return ConfigDb::open(configDbPath(directory), ConfigDb::OpenMode::Create);
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
    const QString dbPath = configDbPath(directory);
    if (!QFileInfo::exists(dbPath))
        return notFound(QStringLiteral("no workspace at '%1' (no %2): run 'poolkeeper-cli init' first")
                            .arg(directory, QLatin1String(ConfigDb::fileName)));
    return ConfigDb::open(dbPath, ConfigDb::OpenMode::MustExist);
}

} // namespace pk
