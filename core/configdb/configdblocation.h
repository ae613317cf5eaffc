#pragma once

// Where a ConfigDb lives: an SQLite file in the workspace (the embedded default), or a PostgreSQL
// database named by a URL that a shared deployment's machines all point at.

#include "util/result.h"

#include <QString>

namespace pk {

class ConfigDbLocation
{
public:
    enum class Backend { Sqlite, Postgres };

    ConfigDbLocation() = default;
    static ConfigDbLocation sqlite(const QString& path);
    // postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DBNAME[?sslmode=MODE] (also postgres://).
    static Result<ConfigDbLocation> parseUrl(const QString& url);
    static bool looksLikeUrl(const QString& text);

    Backend backend() const { return m_backend; }
    bool isPostgres() const { return m_backend == Backend::Postgres; }

    QString sqlitePath() const { return m_sqlitePath; }
    QString host() const { return m_host; }
    int port() const { return m_port; }
    QString user() const { return m_user; }
    QString password() const { return m_password; }
    QString database() const { return m_database; }
    QString sslMode() const { return m_sslMode; }

    // What messages, logs and bundles show: the file, or the URL without its password.
    QString displayName() const;
    // The URL as given, password included: only for poolkeeper.conf (owner-only).
    QString url() const;

    friend bool operator==(const ConfigDbLocation&, const ConfigDbLocation&) = default;

private:
    QString urlWith(bool withPassword) const;

    Backend m_backend = Backend::Sqlite;
    QString m_sqlitePath;
    QString m_host;
    int m_port = 5432;
    QString m_user;
    QString m_password;
    QString m_database;
    QString m_sslMode;
};

} // namespace pk
