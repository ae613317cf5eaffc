#include "configdblocation.h"

#include <QStringList>
#include <QUrl>
#include <QUrlQuery>

namespace pk {

namespace {

const QStringList& sslModes()
{
    static const QStringList modes = { QStringLiteral("disable"), QStringLiteral("allow"), QStringLiteral("prefer"),
        QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full") };
    return modes;
}

Error badUrl(const QString& what)
{
    return usageError(
        QStringLiteral("bad ConfigDb URL: %1; write postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DBNAME").arg(what));
}

} // namespace

ConfigDbLocation ConfigDbLocation::sqlite(const QString& path)
{
    ConfigDbLocation location;
    location.m_sqlitePath = path;
    return location;
}

bool ConfigDbLocation::looksLikeUrl(const QString& text)
{
    return text.startsWith(QLatin1String("postgresql://")) || text.startsWith(QLatin1String("postgres://"));
}

Result<ConfigDbLocation> ConfigDbLocation::parseUrl(const QString& text)
{
    // The URL itself is never quoted back: it may hold a password.
    if (!looksLikeUrl(text.trimmed()))
        return badUrl(QStringLiteral("it must start with postgresql://"));
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid())
        return badUrl(QStringLiteral("it does not parse"));
    ConfigDbLocation location;
    location.m_backend = Backend::Postgres;
    location.m_host = url.host(QUrl::FullyDecoded);
    if (location.m_host.isEmpty())
        return badUrl(QStringLiteral("the host is missing"));
    location.m_port = url.port(5432);
    if (location.m_port <= 0 || location.m_port > 65535)
        return badUrl(QStringLiteral("the port is out of range"));
    location.m_user = url.userName(QUrl::FullyDecoded);
    location.m_password = url.password(QUrl::FullyDecoded);
    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (path.isEmpty() || path.contains(u'/'))
        return badUrl(QStringLiteral("name one database after the host, as in /poolkeeper"));
    location.m_database = path;
    if (!url.fragment().isEmpty())
        return badUrl(QStringLiteral("a '#' fragment has no meaning here"));
    const QUrlQuery query(url);
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key != QLatin1String("sslmode"))
            return badUrl(QStringLiteral("unknown parameter '%1' (only sslmode is understood)").arg(key));
        if (!sslModes().contains(value))
            return badUrl(
                QStringLiteral("sslmode '%1' is not one of %2").arg(value, sslModes().join(QStringLiteral(", "))));
        location.m_sslMode = value;
    }
    return location;
}

QString ConfigDbLocation::urlWith(bool withPassword) const
{
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(m_host);
    if (m_port != 5432)
        url.setPort(m_port);
    if (!m_user.isEmpty())
        url.setUserName(m_user);
    if (withPassword && !m_password.isEmpty())
        url.setPassword(m_password);
    url.setPath(u'/' + m_database);
    if (!m_sslMode.isEmpty())
        url.setQuery(QStringLiteral("sslmode=") + m_sslMode);
    return url.toString(QUrl::FullyEncoded);
}

QString ConfigDbLocation::displayName() const
{
    return isPostgres() ? urlWith(false) : m_sqlitePath;
}

QString ConfigDbLocation::url() const
{
    return isPostgres() ? urlWith(true) : m_sqlitePath;
}

} // namespace pk
