#include "cliworkspace.h"

#include "pgserver.h"
#include "sqldump.h"
#include "testtree.h"
#include "util/posixio.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>

namespace pk::test {

QString dumpConfigDb(const QString& path)
{
    if (!QFile::exists(path))
        return QStringLiteral("<none>");
    QString dump;
    const QString name = QStringLiteral("dump");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (!db.open())
            return QStringLiteral("<unopenable>");
        dump = dumpTables(db, QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"));
        if (dump.isEmpty() && !QSqlQuery(db).exec(QStringLiteral("SELECT 1 FROM sqlite_schema")))
            dump = QStringLiteral("<not a database>");
        QSqlQuery version(db);
        version.exec(QStringLiteral("PRAGMA user_version"));
        if (version.next())
            dump += QStringLiteral("version:") + version.value(0).toString();
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return dump;
}

QString dumpConfigDb(const ConfigDbLocation& location)
{
    if (!location.isPostgres())
        return dumpConfigDb(location.sqlitePath());
    PgServer* server = PgServer::shared();
    return server ? server->dump(location.database()) : QStringLiteral("<no server>");
}

CliWorkspace::CliWorkspace()
    : cli(m_dir.path() + QStringLiteral("/ws"))
    , m_configDb(ConfigDbLocation::sqlite(dbPath()))
{
    if (PgServer::testsUsePostgres()) {
        QString error;
        if (PgServer* server = PgServer::shared(&error))
            m_configDb = server->createDatabase(QStringLiteral("cli"), &error);
        if (!m_configDb.isPostgres())
            qWarning("no PostgreSQL for the test: %s", qPrintable(error));
    }
}

CliWorkspace::~CliWorkspace()
{
    // Tests make files read-only or unreadable; the removal does not care.
    if (auto status = posix::removeTree(m_dir.path()); !status)
        qWarning("cannot remove the test workspace: %s", qPrintable(status.message()));
}

bool CliWorkspace::setUp()
{
    QDir().mkpath(path(QStringLiteral("storages/s1")));
    QDir().mkpath(path(QStringLiteral("storages/s2")));
    QDir().mkpath(path(QStringLiteral("src/docs")));
    writeRandomFile(path(QStringLiteral("src/docs/report.bin")), 300000, 1);
    writeRandomFile(path(QStringLiteral("src/naïve file.txt")), 1000, 2);
    QStringList init = { QStringLiteral("init") };
    if (PgServer::testsUsePostgres()) {
        if (!m_configDb.isPostgres())
            return false;
        init += { QStringLiteral("--configdb"), m_configDb.url() };
    }
    const QList<QStringList> steps = {
        init,
        { QStringLiteral("pool"), QStringLiteral("add"), QStringLiteral("main") },
        { QStringLiteral("storage"), QStringLiteral("add"), QStringLiteral("main"), QStringLiteral("s1"),
            path(QStringLiteral("storages/s1")), QStringLiteral("--capacity"), QStringLiteral("64M") },
        { QStringLiteral("storage"), QStringLiteral("add"), QStringLiteral("main"), QStringLiteral("s2"),
            path(QStringLiteral("storages/s2")) },
        { QStringLiteral("backup"), QStringLiteral("alice"), path(QStringLiteral("src")) },
    };
    return cli.runSteps(steps);
}

QString CliWorkspace::storageOf(const QString& user) const
{
    const CliResult users = cli.run({ QStringLiteral("users"), QStringLiteral("--json") });
    const QJsonArray array = users.json().array();
    for (const auto& value : array) {
        if (value.toObject().value(QLatin1String("user")).toString() == user)
            return value.toObject().value(QLatin1String("storage")).toString();
    }
    return {};
}

QString CliWorkspace::userDir(const QString& storage, const QString& user) const
{
    // users --json has no uuid: the directory whose user.json names the user is the one.
    const QDir dir(path(QStringLiteral("storages/") + storage + QStringLiteral("/users")));
    for (const QString& uuid : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        auto identity = posix::readFile(dir.filePath(uuid + QStringLiteral("/user.json")), 1 << 20);
        if (identity && QJsonDocument::fromJson(*identity).object().value(QLatin1String("name")).toString() == user)
            return dir.filePath(uuid);
    }
    return {};
}

QString CliWorkspace::state() const
{
    return dumpConfigDb(m_configDb) + QString::fromLatin1(fingerprint(path(QStringLiteral("storages"))))
        + QString::fromLatin1(fingerprint(path(QStringLiteral("targets"))));
}

} // namespace pk::test
