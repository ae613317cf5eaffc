#include "pgserver.h"

#include "sqldump.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileSystemWatcher>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pk::test {

namespace {

constexpr const char* superuser = "postgres";

// The account the server runs as when the tests run as root.
struct ServerAccount
{
    uid_t uid = 0;
    gid_t gid = 0;
    bool needed = false;
};

ServerAccount serverAccount()
{
    ServerAccount account;
    if (::geteuid() != 0)
        return account;
    if (const passwd* nobody = ::getpwnam("nobody")) {
        account.uid = nobody->pw_uid;
        account.gid = nobody->pw_gid;
        account.needed = true;
    }
    return account;
}

// Run between fork and exec: only async-signal-safe calls. The server dies with the test process.
void prepareChild(const ServerAccount& account)
{
    if (account.needed) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 || ::setuid(account.uid) != 0)
            ::_exit(126);
    }
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
}

// A port nobody listens on now; the server is started on another one if it is taken meanwhile.
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

QString findBinDir()
{
    for (const char* version : { "15", "16", "17", "14", "13" }) {
        QString dir = QStringLiteral("/usr/lib/postgresql/%1/bin").arg(QLatin1String(version));
        if (QFile::exists(dir + QStringLiteral("/postgres")))
            return dir;
    }
    return {};
}

std::atomic<int> s_connections { 0 };

// Runs work on a new superuser connection to database; false with the error when it fails.
template<typename Work> bool withConnection(int port, const QString& database, QString* error, Work work)
{
    const QString name = QStringLiteral("pgserver-%1").arg(s_connections.fetch_add(1));
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(port);
        db.setUserName(QLatin1String(superuser));
        db.setDatabaseName(database);
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        if (!db.open()) {
            if (error)
                *error = db.lastError().text();
        } else {
            ok = work(db, error);
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace

bool PgServer::testsUsePostgres()
{
    return qEnvironmentVariable("POOLKEEPER_TEST_BACKEND") == QLatin1String("postgresql");
}

PgServer* PgServer::shared(QString* error)
{
    static std::unique_ptr<PgServer> server;
    static QString startError;
    if (!server && startError.isEmpty()) {
        auto candidate = std::make_unique<PgServer>();
        if (candidate->start(&startError))
            server = std::move(candidate);
    }
    if (!server && error)
        *error = startError;
    return server.get();
}

PgServer::PgServer() = default;

PgServer::~PgServer()
{
    stop();
}

bool PgServer::runAsServerUser(const QString& program, const QStringList& arguments, QString* output)
{
    const ServerAccount account = serverAccount();
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setChildProcessModifier([account] { prepareChild(account); });
    process.start(m_binDir + u'/' + program, arguments);
    const bool ok
        = process.waitForFinished(120000) && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    if (output)
        *output = QString::fromLocal8Bit(process.readAll());
    return ok;
}

bool PgServer::start(QString* error)
{
    m_binDir = findBinDir();
    if (m_binDir.isEmpty()) {
        *error = QStringLiteral("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): install the "
                                "package postgresql");
        return false;
    }
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary directory for PostgreSQL");
        return false;
    }
    const ServerAccount account = serverAccount();
    const QString data = m_dir.filePath(QStringLiteral("data"));
    const QString sockets = m_dir.filePath(QStringLiteral("sockets"));
    QDir().mkpath(data);
    QDir().mkpath(sockets);
    if (account.needed) {
        // The server's account must reach its directories through ours.
        QFile::setPermissions(
            m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);
        if (::chown(QFile::encodeName(data).constData(), account.uid, account.gid) != 0
            || ::chown(QFile::encodeName(sockets).constData(), account.uid, account.gid) != 0) {
            *error = QStringLiteral("cannot give the PostgreSQL directories to 'nobody'");
            return false;
        }
    }
    QString output;
    if (!runAsServerUser(QStringLiteral("initdb"),
            { QStringLiteral("-D"), data, QStringLiteral("-U"), QLatin1String(superuser), QStringLiteral("-A"),
                QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--no-locale"),
                QStringLiteral("--no-sync") },
            &output)) {
        *error = QStringLiteral("initdb failed: ") + output.right(400);
        return false;
    }
    // The superuser needs no password; every other role does (the wrong-password tests).
    QFile hba(data + QStringLiteral("/pg_hba.conf"));
    if (!hba.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || hba.write("host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n") < 0) {
        *error = QStringLiteral("cannot write pg_hba.conf");
        return false;
    }
    hba.close();
    return launch(error);
}

bool PgServer::launch(QString* error)
{
    const ServerAccount account = serverAccount();
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (m_port == 0 || attempt > 0)
            m_port = freePort();
        m_postmaster = std::make_unique<QProcess>();
        m_postmaster->setProcessChannelMode(QProcess::MergedChannels);
        m_postmaster->setStandardOutputFile(m_dir.filePath(QStringLiteral("server.log")), QIODevice::Append);
        m_postmaster->setChildProcessModifier([account] { prepareChild(account); });
        m_postmaster->start(m_binDir + QStringLiteral("/postgres"),
            { QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-p"),
                QString::number(m_port), QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-k"),
                m_dir.filePath(QStringLiteral("sockets")), QStringLiteral("-F"), QStringLiteral("-c"),
                QStringLiteral("max_connections=300"), QStringLiteral("-c"), QStringLiteral("full_page_writes=off") });
        if (!m_postmaster->waitForStarted(10000))
            continue;
        // A taken port ends the process instead of making it ready.
        if (waitUntilReady(30000)
            && withConnection(
                m_port, QStringLiteral("postgres"), nullptr, [](QSqlDatabase&, QString*) { return true; }))
            return true;
        m_postmaster->kill();
        m_postmaster->waitForFinished(5000);
    }
    QFile log(m_dir.filePath(QStringLiteral("server.log")));
    *error = QStringLiteral("PostgreSQL did not start: ")
        + (log.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(log.readAll().right(400)) : QString());
    return false;
}

bool PgServer::waitUntilReady(int timeoutMs)
{
    // The postmaster writes "ready" into line 8 of postmaster.pid once it accepts connections (as
    // pg_ctl -w reads it); the file is watched instead of polled.
    const QString dataDir = m_dir.filePath(QStringLiteral("data"));
    const QString pidFile = dataDir + QStringLiteral("/postmaster.pid");
    const auto isReady = [&] {
        QFile file(pidFile);
        if (!file.open(QIODevice::ReadOnly))
            return false;
        const QList<QByteArray> lines = file.readAll().split('\n');
        return lines.size() > 7 && lines.at(7).trimmed() == "ready";
    };
    QFileSystemWatcher watcher({ dataDir });
    QEventLoop loop;
    const auto check = [&] {
        if (!watcher.files().contains(pidFile) && QFile::exists(pidFile))
            watcher.addPath(pidFile);
        if (isReady())
            loop.quit();
    };
    QObject::connect(&watcher, &QFileSystemWatcher::directoryChanged, &loop, check);
    QObject::connect(&watcher, &QFileSystemWatcher::fileChanged, &loop, check);
    QObject::connect(m_postmaster.get(), &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check();
    if (!isReady() && m_postmaster->state() == QProcess::Running)
        loop.exec();
    return isReady() && m_postmaster->state() == QProcess::Running;
}

bool PgServer::stop()
{
    if (!m_postmaster || m_postmaster->state() == QProcess::NotRunning)
        return false;
    // SIGQUIT: the immediate shutdown, as after a crash; the next start recovers from the WAL.
    ::kill(static_cast<pid_t>(m_postmaster->processId()), SIGQUIT);
    if (!m_postmaster->waitForFinished(20000)) {
        m_postmaster->kill();
        m_postmaster->waitForFinished(5000);
    }
    return true;
}

bool PgServer::restart(QString* error)
{
    QString message;
    const bool ok = launch(&message);
    if (error)
        *error = message;
    return ok;
}

bool PgServer::isRunning() const
{
    return m_postmaster && m_postmaster->state() == QProcess::Running;
}

ConfigDbLocation PgServer::createDatabase(const QString& prefix, QString* error)
{
    const QString name = QStringLiteral("%1_%2_%3").arg(prefix).arg(::getpid()).arg(++m_databases);
    if (!runSql(QStringLiteral("postgres"), QStringLiteral("CREATE DATABASE \"%1\"").arg(name), error))
        return {};
    auto location = ConfigDbLocation::parseUrl(
        QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(QLatin1String(superuser)).arg(m_port).arg(name));
    return location ? *location : ConfigDbLocation();
}

bool PgServer::runSql(const QString& database, const QString& sql, QString* error)
{
    return withConnection(m_port, database, error, [&sql](QSqlDatabase& db, QString* message) {
        QSqlQuery query(db);
        if (query.exec(sql))
            return true;
        if (message)
            *message = query.lastError().text();
        return false;
    });
}

QString PgServer::dump(const QString& database)
{
    QString dump;
    QString error;
    const bool ok = withConnection(m_port, database, &error, [&dump](QSqlDatabase& db, QString*) {
        dump = dumpTables(db,
            QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY "
                           "table_name"));
        return true;
    });
    return ok ? dump : QStringLiteral("<unreachable: %1>").arg(error);
}

} // namespace pk::test
