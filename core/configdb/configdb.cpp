#include "configdb.h"

#include "schema.h"
#include "util/logging.h"
#include "util/posixio.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlRecord>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <optional>
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

bool isWriteStatement(const QString& sql)
{
    const QString head = sql.trimmed().left(7).toUpper();
    return head.startsWith(QLatin1String("INSERT")) || head.startsWith(QLatin1String("UPDATE"))
        || head.startsWith(QLatin1String("DELETE"));
}

void sqliteGreatest(sqlite3_context* context, int argc, sqlite3_value** argv)
{
    Q_UNUSED(argc);
    // NULL when either is NULL, as SQLite's max(a, b) does (PostgreSQL would ignore it; no shared
    // query passes one).
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    if (sqlite3_value_numeric_type(argv[0]) == SQLITE_INTEGER && sqlite3_value_numeric_type(argv[1]) == SQLITE_INTEGER)
        sqlite3_result_int64(context, std::max(sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1])));
    else
        sqlite3_result_double(context, std::max(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1])));
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
    return open(ConfigDbLocation::sqlite(path), mode);
}

Result<std::unique_ptr<ConfigDb>> ConfigDb::open(const ConfigDbLocation& location, OpenMode mode)
{
    if (!location.isPostgres()) {
        const QString path = location.sqlitePath();
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
    }

    std::unique_ptr<ConfigDb> db(new ConfigDb);
    db->m_location = location;
    db->m_connectionName = QStringLiteral("pk-configdb-%1").arg(s_connectionCounter.fetch_add(1));
    if (auto status = db->connect(); !status)
        return status.error();
    if (auto status = db->configure(); !status)
        return status.error();
    db->m_schemaVersionFound = db->m_schemaVersion;
    if (location.isPostgres() && db->m_schemaVersion == 0 && mode == OpenMode::MustExist)
        return notFound(QStringLiteral("database '%1' holds no Poolkeeper ConfigDb yet: run 'poolkeeper-cli init "
                                       "--configdb URL' to create it")
                            .arg(location.displayName()));
    if (auto status = db->migrate(); !status)
        return status.error();
    return db;
}

Status ConfigDb::connect()
{
    QSqlDatabase handle;
    if (m_location.isPostgres()) {
        handle = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        if (!handle.isValid())
            return failed(QStringLiteral("the Qt PostgreSQL driver is missing: install the package libqt6sql6-psql"));
        handle.setHostName(m_location.host());
        handle.setPort(m_location.port());
        handle.setDatabaseName(m_location.database());
        if (!m_location.user().isEmpty())
            handle.setUserName(m_location.user());
        // Empty: libpq looks in PGPASSWORD, then ~/.pgpass or PGPASSFILE.
        if (!m_location.password().isEmpty())
            handle.setPassword(m_location.password());
        // A machine that vanished must not hold rows or locks for hours: keepalives and a TCP
        // user timeout make a dead peer an error within seconds.
        QStringList options = { QStringLiteral("connect_timeout=5"), QStringLiteral("keepalives=1"),
            QStringLiteral("keepalives_idle=2"), QStringLiteral("keepalives_interval=1"),
            QStringLiteral("keepalives_count=3"), QStringLiteral("tcp_user_timeout=5000"),
            QStringLiteral("application_name=poolkeeper") };
        if (!m_location.sslMode().isEmpty())
            options.append(QStringLiteral("sslmode=") + m_location.sslMode());
        handle.setConnectOptions(options.join(u';'));
    } else {
        handle = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        if (!handle.isValid())
            return failed(QStringLiteral("the Qt SQLite driver is missing: install the package libqt6sql6-sqlite"));
        handle.setDatabaseName(m_location.sqlitePath());
        handle.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=20000"));
    }
    if (!handle.open()) {
        const QString text = sqlErrorText(handle.lastError());
        if (!m_location.isPostgres())
            return failed(QStringLiteral("cannot open ConfigDb '%1': %2").arg(path(), text));
        return connectionError(text);
    }
    m_connectionLost = false;
    return {};
}

Error ConfigDb::connectionError(const QString& serverText) const
{
    const QString where = QStringLiteral("%1:%2").arg(m_location.host()).arg(m_location.port());
    QString reason = serverText.section(u'\n', 0, 0).trimmed();
    static const QRegularExpression severity(QStringLiteral("^(FATAL|ERROR):\\s*"));
    reason.remove(severity);
    reason.remove(QStringLiteral("QPSQL: Unable to connect"));
    reason = reason.trimmed();
    if (serverText.contains(QLatin1String("password authentication failed"))
        || serverText.contains(QLatin1String("no password supplied")))
        return failed(QStringLiteral("PostgreSQL at %1 refused the password of user '%2': put the right one in "
                                     "~/.pgpass, PGPASSWORD or the URL")
                          .arg(where, m_location.user().isEmpty() ? qEnvironmentVariable("USER") : m_location.user()));
    if (serverText.contains(QLatin1String("does not exist")) && serverText.contains(QLatin1String("database")))
        return notFound(QStringLiteral("PostgreSQL at %1 has no database '%2': create it (createdb %2) or fix the URL")
                            .arg(where, m_location.database()));
    if (serverText.contains(QLatin1String("Connection refused")) || serverText.contains(QLatin1String("timeout"))
        || serverText.contains(QLatin1String("could not translate host name"))
        || serverText.contains(QLatin1String("could not connect")) || serverText.contains(QLatin1String("No route")))
        return notFound(QStringLiteral("cannot reach PostgreSQL at %1 (%2): check that the server runs and the URL")
                            .arg(where, reason));
    return failed(QStringLiteral("cannot open ConfigDb %1: %2").arg(m_location.displayName(), reason));
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

QSqlDatabase ConfigDb::handle() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Status ConfigDb::reconnect()
{
    {
        QSqlDatabase old = handle();
        old.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    if (auto status = connect(); !status)
        return status;
    if (auto status = configure(); !status)
        return status;
    return subscribe();
}

Status ConfigDb::listen(QObject* context, std::function<void(const QString&)> onChange)
{
    m_listenContext = context;
    m_onChange = std::move(onChange);
    return subscribe();
}

Status ConfigDb::subscribe()
{
    if (!isPostgres() || !m_listenContext || !m_onChange)
        return {};
    QSqlDriver* driver = handle().driver();
    // A new connection has a new driver: the old one's subscription and signal went with it.
    if (!driver->subscribedToNotifications().contains(QLatin1String(schema::notifyChannel))
        && !driver->subscribeToNotification(QLatin1String(schema::notifyChannel)))
        return failed(
            QStringLiteral("cannot listen to ConfigDb %1: %2").arg(path(), sqlErrorText(driver->lastError())));
    QObject::connect(driver,
        qOverload<const QString&, QSqlDriver::NotificationSource, const QVariant&>(&QSqlDriver::notification),
        m_listenContext,
        [onChange = m_onChange](
            const QString&, QSqlDriver::NotificationSource, const QVariant& payload) { onChange(payload.toString()); });
    return {};
}

Result<QSqlQuery> ConfigDb::exec(const QString& sql, const QVariantList& bindings)
{
    // A lost server connection is noticed by the statement that failed; the next one opens a new
    // connection. The failed statement itself is never sent again: it may have been applied.
    if (m_connectionLost) {
        if (m_transactionDepth > 0)
            return failed(QStringLiteral("ConfigDb %1: the connection was lost in a transaction").arg(path()));
        // Back-off: a server that is away is not asked again at every statement.
        const qint64 now = nowMs();
        if (now < m_nextReconnectMs)
            return failed(QStringLiteral("ConfigDb %1 is unreachable; trying again in %2 s")
                              .arg(path())
                              .arg((m_nextReconnectMs - now + 999) / 1000));
        if (auto status = reconnect(); !status) {
            m_connectionLost = true;
            m_reconnectDelayMs = std::clamp(m_reconnectDelayMs * 2, 500, 8000);
            m_nextReconnectMs = now + m_reconnectDelayMs;
            return status.error();
        }
        m_reconnectDelayMs = 0;
        m_nextReconnectMs = 0;
        qCInfo(lcConfigDb) << "reconnected to ConfigDb" << path();
    }
    // On PostgreSQL a write outside a transaction takes the write lock too, as every SQLite write
    // does: a read-then-write transaction never sees a row change under it.
    if (isPostgres() && m_transactionDepth == 0 && !m_ownRowWrite && isWriteStatement(sql)) {
        std::optional<QSqlQuery> written;
        const Status status = transaction([&]() -> Status {
            auto query = exec(sql, bindings);
            if (!query)
                return query.error();
            written = std::move(*query);
            return {};
        });
        if (!status)
            return status.error();
        return std::move(*written);
    }
    QSqlQuery query(handle());
    query.setForwardOnly(true);
    bool ok = false;
    if (bindings.isEmpty()) {
        // Statements without values run as they are: PostgreSQL cannot prepare DDL.
        ok = query.exec(sql);
    } else {
        if (!query.prepare(sql))
            return errorOf(query.lastError(), sql);
        for (const QVariant& value : bindings) {
            // A null QString would bind as SQL NULL; text columns hold '' for "nothing". Real
            // NULLs are passed as typed null variants.
            if (value.typeId() == QMetaType::QString && value.toString().isNull())
                query.addBindValue(QStringLiteral(""));
            // Flags are integer columns on both backends; PostgreSQL will not take TRUE for one.
            else if (value.typeId() == QMetaType::Bool)
                query.addBindValue(value.toBool() ? 1 : 0);
            else
                query.addBindValue(value);
        }
        ok = query.exec();
    }
    if (!ok)
        return errorOf(query.lastError(), sql);
    m_lastSqlState.clear();
    m_lastDuplicate = false;
    return query;
}

Error ConfigDb::errorOf(const QSqlError& error, const QString& sql)
{
    Q_UNUSED(sql);
    const QString text = sqlErrorText(error);
    m_lastSqlState = m_location.isPostgres() ? error.nativeErrorCode() : QString();
    m_lastDuplicate = m_lastSqlState == QLatin1String("23505") || text.contains(QLatin1String("UNIQUE constraint"));
    if (m_location.isPostgres()) {
        // Class 08 (connection exception), 57P01..57P03 (server shut down), or libpq's own words
        // when no SQLSTATE reached us.
        // Qt's driver also closes the connection itself when its notification socket fails.
        const bool lost = !handle().isOpen() || m_lastSqlState.startsWith(QLatin1String("08"))
            || m_lastSqlState.startsWith(QLatin1String("57P"))
            || text.contains(QLatin1String("server closed the connection"))
            || text.contains(QLatin1String("no connection to the server"))
            || text.contains(QLatin1String("connection to server")) || text.contains(QLatin1String("SSL SYSCALL"))
            || text.contains(QLatin1String("terminating connection"));
        if (lost) {
            m_connectionLost = true;
            const QString reason
                = text.trimmed().isEmpty() ? QStringLiteral("the connection was closed") : text.section(u'\n', 0, 0);
            return failed(QStringLiteral("lost the connection to ConfigDb %1: %2").arg(path(), reason));
        }
    } else if (text.contains(QLatin1String("locked")) || text.contains(QLatin1String("busy"))) {
        return failed(QStringLiteral("ConfigDb '%1' is busy: another Poolkeeper process holds it too long; try again")
                          .arg(path()));
    }
    return failed(QStringLiteral("ConfigDb '%1': %2").arg(path(), text));
}

Result<qint64> ConfigDb::insert(const QString& sql, const QVariantList& bindings)
{
    auto query = exec(sql + QStringLiteral(" RETURNING id"), bindings);
    if (!query)
        return query.error();
    if (!query->next())
        return failed(QStringLiteral("ConfigDb '%1': an insert returned no id").arg(path()));
    const qint64 id = query->value(0).toLongLong();
    query->finish();
    return id;
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

Result<QSqlQuery> ConfigDb::execOwnRow(const QString& sql, const QVariantList& bindings)
{
    m_ownRowWrite = true;
    auto query = exec(sql, bindings);
    m_ownRowWrite = false;
    return query;
}

Status ConfigDb::transaction(const std::function<Status()>& work)
{
    if (m_transactionDepth > 0) {
        ++m_transactionDepth;
        Status status = work();
        --m_transactionDepth;
        return status;
    }
    for (int attempt = 1;; ++attempt) {
        if (auto begin = exec(QStringLiteral("BEGIN") + (isPostgres() ? QString() : QStringLiteral(" IMMEDIATE")));
            !begin)
            return begin.error();
        m_transactionDepth = 1;
        Status status;
        if (isPostgres()) {
            // Every writer of every machine queues here, as SQLite's writers do on its lock, and
            // gives up after as long as they do.
            if (auto timeout = exec(QStringLiteral("SET LOCAL lock_timeout = 20000")); !timeout)
                status = timeout.error();
            else if (auto locked = exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(schema::writeLockKey));
                     !locked)
                status = m_lastSqlState == QLatin1String("55P03")
                    ? Status(failed(QStringLiteral("ConfigDb %1 is busy: another Poolkeeper process holds it too "
                                                   "long; try again")
                                        .arg(path())))
                    : Status(locked.error());
        }
        if (status)
            status = work();
        m_transactionDepth = 0;
        if (status) {
            auto commit = exec(QStringLiteral("COMMIT"));
            if (commit)
                return {};
            status = commit.error();
        }
        const QString state = m_lastSqlState;
        if (m_connectionLost)
            return status; // the server ended the transaction; nothing of it was committed
        // The transaction's own error is what the caller needs; a failed ROLLBACK leaves nothing
        // committed (the server rolls back an open transaction when the connection closes).
        if (auto rolledBack = exec(QStringLiteral("ROLLBACK")); !rolledBack)
            qCWarning(lcConfigDb) << "ROLLBACK failed after" << status.message() << ":" << rolledBack.message();
        const bool retryable = state == QLatin1String("40001") || state == QLatin1String("40P01");
        if (!retryable || attempt >= 5)
            return status;
        qCInfo(lcConfigDb) << "retrying a transaction after" << state << "(attempt" << attempt + 1 << ")";
    }
}

Status ConfigDb::backupTo(const QString& destination)
{
    if (QFileInfo::exists(destination))
        return failed(
            QStringLiteral("'%1' already exists: choose a new file for the copy of ConfigDb").arg(destination));
    // The Qt driver runs on the system's libsqlite3 (Debian builds it so): its handle is ours to use.
    if (isPostgres())
        return failed(QStringLiteral("ConfigDb %1 is on PostgreSQL: copy it with pg_dump").arg(path()));
    const QVariant driverHandle = handle().driver()->handle();
    if (!driverHandle.isValid() || qstrcmp(driverHandle.typeName(), "sqlite3*") != 0)
        return failed(QStringLiteral("the Qt SQLite driver gives no database handle: cannot copy ConfigDb"));
    sqlite3* source = *static_cast<sqlite3* const*>(driverHandle.constData());
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
    if (isPostgres())
        return configurePostgres();
    // Checked before anything is written: a newer or foreign database stays untouched.
    auto version = storedSchemaVersion();
    if (!version) {
        if (version.error().message.contains(QLatin1String("not a database")))
            return failed(QStringLiteral(
                "'%1' is not an SQLite database: move it away or choose another workspace with --workspace")
                              .arg(path()));
        return version.error();
    }
    m_schemaVersion = *version;
    if (auto supported = checkSchemaSupported(); !supported)
        return supported;
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
                          .arg(path()));

    // FULL: the commit that switches a user to a new storage must survive a power loss, because
    // the source copy is deleted right after it.
    for (const char* pragma :
        { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON" }) {
        auto result = exec(QString::fromLatin1(pragma));
        if (!result)
            return result.error();
    }
    // PostgreSQL's greatest(), which the shared queries use, as an SQLite function.
    const QVariant driverHandle = handle().driver()->handle();
    if (!driverHandle.isValid() || qstrcmp(driverHandle.typeName(), "sqlite3*") != 0)
        return failed(QStringLiteral("the Qt SQLite driver gives no database handle: cannot open ConfigDb"));
    sqlite3* sqlite = *static_cast<sqlite3* const*>(driverHandle.constData());
    if (sqlite3_create_function(
            sqlite, "greatest", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, sqliteGreatest, nullptr, nullptr)
        != SQLITE_OK)
        return failed(
            QStringLiteral("cannot prepare ConfigDb '%1': %2").arg(path(), QString::fromUtf8(sqlite3_errmsg(sqlite))));
    return {};
}

Status ConfigDb::configurePostgres()
{
    // Notices ("relation already exists, skipping") are not the operator's business. The server
    // watches the connection too: a client whose machine vanished must not hold the write lock
    // (or a row) for the two hours of the system's keepalive defaults, nor a transaction it
    // forgot for more than a minute.
    for (const char* setting : { "SET client_min_messages = warning", "SET tcp_keepalives_idle = 5",
             "SET tcp_keepalives_interval = 2", "SET tcp_keepalives_count = 3", "SET tcp_user_timeout = 10000",
             "SET idle_in_transaction_session_timeout = 60000" }) {
        if (auto set = exec(QString::fromLatin1(setting)); !set)
            return set.error();
    }
    const auto foreign = [this] {
        return failed(QStringLiteral("database %1 holds tables of another program, not a Poolkeeper ConfigDb: "
                                     "create an empty database for Poolkeeper")
                          .arg(path()));
    };
    auto mine = queryRow(QStringLiteral("SELECT to_regclass('poolkeeper_schema') IS NOT NULL, (SELECT count(*) FROM "
                                        "information_schema.tables WHERE table_schema = current_schema())"));
    if (!mine)
        return mine.error();
    if (!mine->value(0).toBool()) {
        if (mine->value(1).toLongLong() > 0)
            return foreign();
        m_schemaVersion = 0;
        return {};
    }
    auto version = storedSchemaVersion();
    if (!version)
        return version.error();
    m_schemaVersion = *version;
    if (m_schemaVersion < 0)
        return foreign();
    return checkSchemaSupported();
}

Status ConfigDb::checkSchemaSupported() const
{
    if (m_schemaVersion <= latestSchemaVersion())
        return {};
    return failed(QStringLiteral(
        "ConfigDb '%1' has schema version %2, newer than this Poolkeeper supports (%3): upgrade Poolkeeper")
                      .arg(path())
                      .arg(m_schemaVersion)
                      .arg(latestSchemaVersion()));
}

Result<int> ConfigDb::storedSchemaVersion()
{
    if (!isPostgres()) {
        auto version = queryRow(QStringLiteral("PRAGMA user_version"));
        if (!version)
            return version.error();
        return version->value(0).toInt();
    }
    auto exists = queryRow(QStringLiteral("SELECT to_regclass('poolkeeper_schema') IS NOT NULL"));
    if (!exists)
        return exists.error();
    if (!exists->value(0).toBool())
        return 0;
    auto row = queryRow(QStringLiteral("SELECT application_id, version FROM poolkeeper_schema"));
    if (!row)
        return row.error();
    if (row->isEmpty())
        return 0;
    if (row->value(0).toLongLong() != schema::applicationId)
        return -1; // someone else's table of that name
    return row->value(1).toInt();
}

Status ConfigDb::writeSchemaVersion(int version)
{
    if (!isPostgres()) {
        if (auto r = exec(QStringLiteral("PRAGMA application_id = %1").arg(schema::applicationId)); !r)
            return r.error();
        if (auto r = exec(QStringLiteral("PRAGMA user_version = %1").arg(version)); !r)
            return r.error();
        return {};
    }
    if (auto r = exec(QStringLiteral("DELETE FROM poolkeeper_schema")); !r)
        return r.error();
    if (auto r = exec(QStringLiteral("INSERT INTO poolkeeper_schema (application_id, version) VALUES (?, ?)"),
            { static_cast<qint64>(schema::applicationId), version });
        !r)
        return r.error();
    return {};
}

Status ConfigDb::migrate()
{
    if (m_schemaVersion == latestSchemaVersion())
        return {};
    return transaction([this]() -> Status {
        if (isPostgres()) {
            // DDL is transactional on PostgreSQL: a failed step leaves the database as it was.
            if (auto r = exec(QStringLiteral("CREATE TABLE IF NOT EXISTS poolkeeper_schema (application_id BIGINT NOT "
                                             "NULL, version INTEGER NOT NULL)"));
                !r)
                return r.error();
        }
        // Another process may have migrated between our check and the write lock.
        auto version = storedSchemaVersion();
        if (!version)
            return version.error();
        int current = *version;
        const auto& steps = schema::migrations();
        if (current > latestSchemaVersion())
            return failed(QStringLiteral("ConfigDb '%1' was upgraded to a newer schema meanwhile: upgrade Poolkeeper")
                              .arg(path()));
        for (; current < steps.size(); ++current) {
            for (const QString& statement : steps.at(current)) {
                const QString sql = schema::forBackend(statement, isPostgres());
                if (sql.isEmpty())
                    continue; // a step of the other backend only
                auto result = exec(sql);
                if (!result)
                    return failed(QStringLiteral("migrating ConfigDb to schema %1 failed: %2")
                                      .arg(current + 1)
                                      .arg(result.message()));
            }
        }
        if (auto written = writeSchemaVersion(current); !written)
            return written;
        m_schemaVersion = current;
        return {};
    });
}

} // namespace pk
