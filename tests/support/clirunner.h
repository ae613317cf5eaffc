#pragma once

// Runs the real poolkeeper-cli binary, as scripts and later acceptance tests do.

#include <QByteArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QStringList>

namespace pk::test {

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonDocument json() const { return QJsonDocument::fromJson(out); }
    // For failure messages.
    QString describe() const;
};

class CliRunner
{
public:
    explicit CliRunner(QString workspace)
        : m_workspace(std::move(workspace))
    { }

    // Runs poolkeeper-cli --workspace WS ARGS...; with wrapper, runs WRAPPER... poolkeeper-cli ...
    CliResult run(const QStringList& args, int timeoutMs = 300000, const QStringList& wrapper = {}) const;
    // Runs set-up commands in order; false (with a warning naming the step) at the first failure.
    bool runSteps(const QList<QStringList>& steps) const;
    // The same without --workspace (to test the workspace resolution itself).
    static CliResult runRaw(const QStringList& args,
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(), int timeoutMs = 300000,
        const QStringList& wrapper = {});

    QString workspace() const { return m_workspace; }
    static QString binary();
    // A wrapper that runs a command without root's capabilities when the tests run as root (root
    // ignores file permissions); empty otherwise.
    static QStringList withoutPrivileges();

private:
    QString m_workspace;
};

} // namespace pk::test
