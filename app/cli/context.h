#pragma once

// What every command of poolkeeper-cli gets: the output streams, the workspace, the ConfigDb and
// the Ctrl-C flag; also the one place that turns an Error into its line on stderr and exit code.

#include "configdb/configdb.h"
#include "util/result.h"

#include <QJsonDocument>
#include <QTextStream>

#include <atomic>
#include <memory>

namespace pk::cli {

class Context
{
public:
    explicit Context(QString workspaceDir);

    QTextStream& out() { return m_out; }
    QTextStream& err() { return m_err; }
    QString workspaceDir() const { return m_workspaceDir; }

    // Opens the workspace's ConfigDb (once); NotFound when there is none.
    Result<ConfigDb*> db();

    // The exit code of a command stopped by SIGINT or SIGTERM (it left nothing half done).
    static constexpr int interruptedExitCode = 130;

    // Prints "poolkeeper-cli: MESSAGE" and returns the exit code for it (130 once stopped).
    int fail(const Error& error);
    int fail(const Status& status) { return fail(status.error()); }
    void warn(const QString& message);
    void printJson(const QJsonDocument& document);

    // Progress on stderr when it is a terminal: one line redrawn in place.
    void progress(const QString& line);
    void endProgress();
    bool stderrIsTerminal() const { return m_stderrTty; }

    // Set by SIGINT/SIGTERM: long operations stop cleanly.
    static const std::atomic<bool>* stopFlag();
    static void installSignalHandlers();

private:
    QTextStream m_out;
    QTextStream m_err;
    QString m_workspaceDir;
    std::unique_ptr<ConfigDb> m_db;
    bool m_stderrTty = false;
    bool m_progressShown = false;
    qint64 m_lastProgressMs = 0;
};

} // namespace pk::cli
