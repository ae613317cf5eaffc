#pragma once

// The command table and argument parser of poolkeeper-cli: subcommands of one or two words, long
// options with values, positional arguments, per-command --help. Errors here are usage errors
// (exit code 2).

#include "util/result.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <functional>

namespace pk::cli {

class Context;

struct OptionSpec
{
    QString name; // without the leading "--"
    QString valueName; // empty: a flag without value
    QString help;
    bool repeatable = false;
};

struct ParsedArgs
{
    QStringList positional;
    QHash<QString, QStringList> options;

    bool has(const QString& name) const { return options.contains(name); }
    QString value(const QString& name, const QString& fallback = {}) const
    {
        const auto it = options.constFind(name);
        return it == options.constEnd() || it->isEmpty() ? fallback : it->constLast();
    }
    QStringList values(const QString& name) const { return options.value(name); }
};

struct CommandSpec
{
    QStringList words; // {"pool", "add"}
    QString arguments; // synopsis of the positional arguments, "NAME"
    int minArgs = 0;
    int maxArgs = 0;
    QString summary;
    QString description;
    QList<OptionSpec> options;
    std::function<int(Context&, const ParsedArgs&)> run;
    bool hidden = false;

    QString name() const { return words.join(u' '); }
    QString synopsis() const;
};

struct Invocation
{
    const CommandSpec* command = nullptr; // null: global --help / --version
    ParsedArgs args;
    QString workspace;
    bool help = false;
    bool version = false;
};

// Parses argv (without the program name) against the command table.
Result<Invocation> parseCommandLine(const QStringList& arguments, const QList<CommandSpec>& commands);

QString globalHelp(const QList<CommandSpec>& commands);
QString commandHelp(const CommandSpec& command);

} // namespace pk::cli
