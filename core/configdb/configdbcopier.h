#pragma once

// Copies every row of one ConfigDb into another of the same schema, whichever their backends:
// a workstation's SQLite ConfigDb into the PostgreSQL database of a shared deployment, or a
// shared one into an SQLite file for a support bundle. The copy is checked table by table.

#include "configdb.h"

#include <QByteArray>
#include <QList>

#include <functional>

namespace pk {

struct TableDigest
{
    QString table;
    qint64 rows = 0;
    QByteArray checksum; // SHA-256 over the sorted digests of the rows, hex
};

class ConfigDbCopier
{
public:
    // The tables, parents first; what engines enroll is not copied (they enroll again).
    static const QStringList& tables();

    // Row count and an order-free checksum of every table.
    static Result<QList<TableDigest>> digest(ConfigDb& db);

    // Copies from into to, which must hold the same schema version and no rows, in one
    // transaction on each side (from's write lock keeps writers out meanwhile), and compares
    // their digests before committing. beforeCommit runs while both transactions are still open
    // (a workspace switches to the copy there, so no write lands in from after the copy); its
    // failure rolls the copy back. Returns from's digests.
    static Result<QList<TableDigest>> copy(ConfigDb& from, ConfigDb& to,
        const std::function<void(const QString&)>& progress = {}, const std::function<Status()>& beforeCommit = {});
};

} // namespace pk
