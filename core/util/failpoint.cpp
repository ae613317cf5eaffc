#include "failpoint.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHash>
#include <QString>
#include <QThread>

#include <csignal>

namespace pk {

namespace {

struct Failpoints
{
    QHash<QString, QString> actions; // name -> "kill" | "pause"
    QString directory;
};

const Failpoints& failpoints()
{
    static const Failpoints parsed = [] {
        Failpoints result;
        const QString spec = qEnvironmentVariable("POOLKEEPER_FAILPOINTS");
        for (const QString& item : spec.split(u',', Qt::SkipEmptyParts)) {
            const qsizetype equals = item.indexOf(u'=');
            if (equals > 0)
                result.actions.insert(item.left(equals).trimmed(), item.mid(equals + 1).trimmed());
        }
        result.directory = qEnvironmentVariable("POOLKEEPER_FAILPOINT_DIR");
        return result;
    }();
    return parsed;
}

} // namespace

void failpoint(const char* name)
{
    const Failpoints& points = failpoints();
    if (points.actions.isEmpty())
        return;
    const QString action = points.actions.value(QString::fromLatin1(name));
    if (action == QLatin1String("kill")) {
        ::raise(SIGKILL);
    } else if (action == QLatin1String("pause") && !points.directory.isEmpty()) {
        const QString base = points.directory + u'/' + QString::fromLatin1(name);
        QFile reached(base + QStringLiteral(".reached"));
        if (!reached.open(QIODevice::WriteOnly))
            return;
        reached.close();
        // Bounded: a test that forgets to let the process go must not hang it for good.
        QDeadlineTimer deadline(std::chrono::minutes(2));
        while (!QFile::exists(base + QStringLiteral(".go")) && !deadline.hasExpired())
            QThread::msleep(5);
    }
}

} // namespace pk
