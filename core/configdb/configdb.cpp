#include "configdb.h"

#include "schema.h"
#include "util/logging.h"
#include "util/posixio.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlRecord>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sqlite3.h>

namespace pk {

namespace {

std::atomic<int> s_connectionCounter { 0 };

QString sqlErrorText(const QSqlError& error)
{
    QString text = error.databaseText();
    if (text.isEmpty())
        text = error.text();
    return text;
}

// SQLite creates a database 0644 (less the umask) and gives its -wal, -shm and -journal the
// database's mode: an empty file made owner-only first makes them all owner-only. A new file no
// connection has opened yet: closing this descriptor drops nobody's lock.
Status createDatabaseFileOwnerOnly(const QString& path)
{
    const UniqueFd fd(
        ::open(posix::encodePath(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd && errno != EEXIST) // EEXIST: someone created it meanwhile; SQLite opens theirs
        return posix::ioError(QStringLiteral("create"), path, errno);
    return {};
}

} // namespace

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

int ConfigDb::latestSchemaVersion()
{
    return static_cast<int>(schema::migrations().size());
}

Result<std::unique_ptr<ConfigDb>> ConfigDb::open(const QString& path, OpenMode mode)
{
    const QFileInfo info(path);
    const bool exists = info.exists() && info.size() > 0;
    if (!exists && mode == OpenMode::MustExist)
        return notFound(
            QStringLiteral("no ConfigDb at '%1': run 'poolkeeper-cli init' to create the workspace").arg(path));
    if (info.exists() && !info.isFile())
        return failed(QStringLiteral("'%1' is not a file: move it away or choose another workspace").arg(path));
    // The file is never opened outside SQLite, not even to peek at its header: closing any
    // descriptor of a file drops every POSIX lock this process holds on it, including those of
    // SQLite's other connections, and another process would then believe it is the last user
    // and delete the WAL they still write to. configure() reads the header through SQLite,
    // which refuses a foreign file before anything is written.
    if (!info.exists() && mode == OpenMode::Create) {
        if (auto created = createDatabaseFileOwnerOnly(path); !created)
            return created.error();
    }

    std::unique_ptr<ConfigDb> db(new ConfigDb);
    db->m_path = path;
    db->m_connectionName = QStringLiteral("pk-configdb-%1").arg(s_connectionCounter.fetch_add(1));
    {
        QSqlDatabase handle = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), db->m_connectionName);
        if (!handle.isValid())
            return failed(QStringLiteral("the Qt SQLite driver is missing: install the package libqt6sql6-sqlite"));
        handle.setDatabaseName(path);
        handle.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=20000"));
        if (!handle.open())
            return failed(QStringLiteral("cannot open ConfigDb '%1': %2").arg(path, sqlErrorText(handle.lastError())));
    }
    if (auto status = db->configure(); !status)
        return status.error();
    if (auto status = db->migrate(); !status)
        return status.error();
    return db;
}

ConfigDb::~ConfigDb()
{
    if (m_connectionName.isEmpty())
        return;
    {
        QSqlDatabase handle = QSqlDatabase::database(m_connectionName, false);
        if (handle.isOpen())
            handle.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<QSqlQuery> ConfigDb::exec(const QString& sql, const QVariantList& bindings)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return failed(QStringLiteral("ConfigDb '%1': %2").arg(m_path, sqlErrorText(query.lastError())));
    for (const QVariant& value : bindings) {
        // A null QString would bind as SQL NULL; text columns hold '' for "nothing". Real NULLs
        // are passed as typed null variants.
        if (value.typeId() == QMetaType::QString && value.toString().isNull())
            query.addBindValue(QStringLiteral(""));
        else
            query.addBindValue(value);
    }
    if (!query.exec()) {
        const QString text = sqlErrorText(query.lastError());
        if (text.contains(QLatin1String("locked")) || text.contains(QLatin1String("busy")))
            return failed(
                QStringLiteral("ConfigDb '%1' is busy: another Poolkeeper process holds it too long; try again")
                    .arg(m_path));
        return failed(QStringLiteral("ConfigDb '%1': %2").arg(m_path, text));
    }
    return query;
}

Result<QVariantList> ConfigDb::queryRow(const QString& sql, const QVariantList& bindings)
{
    auto query = exec(sql, bindings);
    if (!query)
        return query.error();
    QVariantList row;
    if (query->next()) {
        const int columns = query->record().count();
        row.reserve(columns);
        for (int i = 0; i < columns; ++i)
            row.append(query->value(i));
    }
    query->finish();
    return row;
}

Status ConfigDb::transaction(const std::function<Status()>& work)
{
    if (m_transactionDepth > 0) {
        ++m_transactionDepth;
        Status status = work();
        --m_transactionDepth;
        return status;
    }
    if (auto begin = exec(QStringLiteral("BEGIN IMMEDIATE")); !begin)
        return begin.error();
    m_transactionDepth = 1;
    Status status = work();
    m_transactionDepth = 0;
    if (status) {
        if (auto commit = exec(QStringLiteral("COMMIT")); commit)
            return {};
        else
            status = commit.error();
    }
    // The transaction's own error is what the caller needs; a failed ROLLBACK leaves nothing
    // committed (SQLite rolls back an open transaction when the connection closes).
    if (auto rolledBack = exec(QStringLiteral("ROLLBACK")); !rolledBack)
        qCWarning(lcConfigDb) << "ROLLBACK failed after" << status.message() << ":" << rolledBack.message();
    return status;
}

Status ConfigDb::backupTo(const QString& destination)
{
    if (QFileInfo::exists(destination))
        return failed(
            QStringLiteral("'%1' already exists: choose a new file for the copy of ConfigDb").arg(destination));
    // The Qt driver runs on the system's libsqlite3 (Debian builds it so): its handle is ours to use.
    const QVariant handle = QSqlDatabase::database(m_connectionName, false).driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return failed(QStringLiteral("the Qt SQLite driver gives no database handle: cannot copy ConfigDb"));
    sqlite3* source = *static_cast<sqlite3* const*>(handle.constData());
    // The copy holds everything ConfigDb does: owner-only like it.
    if (auto created = createDatabaseFileOwnerOnly(destination); !created)
        return created;
    sqlite3* target = nullptr;
    if (sqlite3_open_v2(
            QFile::encodeName(destination).constData(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
        != SQLITE_OK) {
        const QString error = target ? QString::fromUtf8(sqlite3_errmsg(target)) : QStringLiteral("out of memory");
        sqlite3_close(target);
        QFile::remove(destination);
        return failed(QStringLiteral("cannot create '%1': %2").arg(destination, error));
    }
    sqlite3_backup* backup = sqlite3_backup_init(target, "main", source, "main");
    int rc = SQLITE_OK;
    if (backup) {
        // Small steps: a writer in another process waits at most one step.
        do {
            rc = sqlite3_backup_step(backup, 256);
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                sqlite3_sleep(20);
        } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
        sqlite3_backup_finish(backup);
    }
    const int finalCode = sqlite3_errcode(target);
    const QString message = QString::fromUtf8(sqlite3_errmsg(target));
    sqlite3_close(target);
    if (!backup || (rc != SQLITE_DONE) || finalCode != SQLITE_OK) {
        QFile::remove(destination);
        return failed(QStringLiteral("copying ConfigDb to '%1' failed: %2").arg(destination, message));
    }
    return {};
}

Status ConfigDb::configure()
{
    // Checked before anything is written: a newer or foreign database stays untouched.
    auto version = queryRow(QStringLiteral("PRAGMA user_version"));
    if (!version) {
        if (version.message().contains(QLatin1String("not a database")))
            return failed(QStringLiteral(
                "'%1' is not an SQLite database: move it away or choose another workspace with --workspace")
                              .arg(m_path));
        return version.error();
    }
    m_schemaVersion = version->value(0).toInt();
    if (m_schemaVersion > latestSchemaVersion())
        return failed(QStringLiteral(
            "ConfigDb '%1' has schema version %2, newer than this Poolkeeper supports (%3): upgrade Poolkeeper")
                          .arg(m_path)
                          .arg(m_schemaVersion)
                          .arg(latestSchemaVersion()));
    auto appId = queryRow(QStringLiteral("PRAGMA application_id"));
    if (!appId)
        return appId.error();
    const int id = appId->value(0).toInt();
    auto tables = queryRow(QStringLiteral("SELECT count(*) FROM sqlite_schema"));
    if (!tables)
        return tables.error();
    if (id != schema::applicationId && (id != 0 || tables->value(0).toInt() > 0))
        return failed(QStringLiteral(
            "'%1' is an SQLite database of another program, not a Poolkeeper ConfigDb: choose another workspace")
                          .arg(m_path));

    // FULL: the commit that switches a user to a new storage must survive a power loss, because
    // the source copy is deleted right after it.
    for (const char* pragma :
        { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON" }) {
        auto result = exec(QString::fromLatin1(pragma));
        if (!result)
            return result.error();
    }
    return {};
}

Status ConfigDb::migrate()
{
    if (m_schemaVersion == latestSchemaVersion())
        return {};
    return transaction([this]() -> Status {
        // Another process may have migrated between our check and the write lock.
        auto version = queryRow(QStringLiteral("PRAGMA user_version"));
        if (!version)
            return version.error();
        int current = version->value(0).toInt();
        const auto& steps = schema::migrations();
        if (current > latestSchemaVersion())
            return failed(QStringLiteral("ConfigDb '%1' was upgraded to a newer schema meanwhile: upgrade Poolkeeper")
                              .arg(m_path));
        for (; current < steps.size(); ++current) {
            for (const QString& statement : steps.at(current)) {
                auto result = exec(statement);
                if (!result)
                    return failed(QStringLiteral("migrating ConfigDb to schema %1 failed: %2")
                                      .arg(current + 1)
                                      .arg(result.message()));
            }
        }
        if (auto r = exec(QStringLiteral("PRAGMA application_id = %1").arg(schema::applicationId)); !r)
            return r.error();
        if (auto r = exec(QStringLiteral("PRAGMA user_version = %1").arg(current)); !r)
            return r.error();
        m_schemaVersion = current;
        return {};
    });
}

} // namespace pk
