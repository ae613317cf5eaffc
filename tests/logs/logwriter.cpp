// A separate process appending to a migration log, for tst_migrationlog's multi-process test:
//   pk_logwriter <storage root> <writer id> <lines> <rotate bytes> <keep>
// Each line carries writer=<id> seq=<n>, so the test can prove none was lost or doubled.

#include "logs/migrationlog.h"

#include <QCoreApplication>
#include <QStringList>

#include <cstdio>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 6) {
        std::fprintf(stderr, "usage: pk_logwriter <storage root> <writer id> <lines> <rotate bytes> <keep>\n");
        return 2;
    }
    pk::MigrationLog::Options options;
    options.rotateBytes = args[4].toLongLong();
    options.keep = args[5].toInt();
    pk::MigrationLog log(args[1], options);
    const int lines = args[3].toInt();
    for (int i = 0; i < lines; ++i) {
        pk::LogRecord record = pk::LogRecord::now(pk::LogLevel::Info);
        record.set(QStringLiteral("writer"), args[2]);
        record.set(QStringLiteral("seq"), qint64(i));
        record.set(pk::logkey::msg, QStringLiteral("line %1 of writer %2 \"quoted\" and = signs").arg(i).arg(args[2]));
        if (auto status = log.append(record); !status) {
            std::fprintf(stderr, "%s\n", qPrintable(status.message()));
            return 1;
        }
    }
    return 0;
}
