#include "commandline.h"

namespace pk::cli {

namespace {

const OptionSpec* findOption(const CommandSpec& command, const QString& name)
{
    for (const OptionSpec& option : command.options) {
        if (option.name == name)
            return &option;
    }
    return nullptr;
}

} // namespace

QString CommandSpec::synopsis() const
{
    QString text = QStringLiteral("poolkeeper-cli ") + name();
    if (!arguments.isEmpty())
        text += u' ' + arguments;
    for (const OptionSpec& option : options) {
        text += QStringLiteral(" [--") + option.name;
        if (!option.valueName.isEmpty())
            text += u' ' + option.valueName;
        text += option.repeatable ? QStringLiteral("]...") : QStringLiteral("]");
    }
    return text;
}

Result<Invocation> parseCommandLine(const QStringList& arguments, const QList<CommandSpec>& commands)
{
    Invocation invocation;
    QStringList rest;
    // --workspace, --help and --version are accepted anywhere; everything else goes on.
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString& token = arguments.at(i);
        if (token == QLatin1String("--")) {
            rest.append(arguments.mid(i));
            break;
        }
        if (token == QLatin1String("--workspace")) {
            if (i + 1 >= arguments.size())
                return usageError(QStringLiteral("--workspace needs a directory: --workspace DIR"));
            invocation.workspace = arguments.at(++i);
        } else if (token.startsWith(QLatin1String("--workspace="))) {
            invocation.workspace = token.mid(12);
        } else if (token == QLatin1String("--help") || token == QLatin1String("-h")) {
            invocation.help = true;
        } else if (token == QLatin1String("--version")) {
            invocation.version = true;
        } else {
            rest.append(token);
        }
    }
    if (invocation.workspace.isEmpty() && arguments.contains(QStringLiteral("--workspace=")))
        return usageError(QStringLiteral("--workspace needs a directory: --workspace DIR"));

    // The longest command whose words start the remaining tokens.
    const CommandSpec* best = nullptr;
    for (const CommandSpec& command : commands) {
        if (command.words.size() > rest.size())
            continue;
        bool matches = true;
        for (qsizetype w = 0; w < command.words.size() && matches; ++w)
            matches = rest.at(w) == command.words.at(w);
        if (matches && (!best || command.words.size() > best->words.size()))
            best = &command;
    }
    if (!best) {
        if (invocation.help || invocation.version)
            return invocation;
        if (rest.isEmpty())
            return usageError(QStringLiteral("no command given: see 'poolkeeper-cli --help'"));
        QStringList subcommands;
        for (const CommandSpec& command : commands) {
            if (command.words.size() > 1 && command.words.first() == rest.first() && !command.hidden)
                subcommands.append(command.words.at(1));
        }
        if (!subcommands.isEmpty()) {
            const QString given = rest.size() > 1
                ? QStringLiteral("unknown subcommand '%1 %2'").arg(rest.at(0), rest.at(1))
                : QStringLiteral("'%1' needs a subcommand").arg(rest.first());
            return usageError(QStringLiteral("%1: use one of %2").arg(given, subcommands.join(QStringLiteral(", "))));
        }
        return usageError(QStringLiteral("unknown command '%1': see 'poolkeeper-cli --help'").arg(rest.first()));
    }
    invocation.command = best;
    if (invocation.help)
        return invocation;

    bool onlyPositional = false;
    for (qsizetype i = best->words.size(); i < rest.size(); ++i) {
        const QString& token = rest.at(i);
        if (!onlyPositional && token == QLatin1String("--")) {
            onlyPositional = true;
            continue;
        }
        if (!onlyPositional && token.startsWith(QLatin1String("--"))) {
            QString name = token.mid(2);
            QString value;
            bool hasInlineValue = false;
            if (const qsizetype eq = name.indexOf(u'='); eq >= 0) {
                value = name.mid(eq + 1);
                name.truncate(eq);
                hasInlineValue = true;
            }
            const OptionSpec* option = findOption(*best, name);
            if (!option)
                return usageError(QStringLiteral("unknown option '--%1' for '%2': see 'poolkeeper-cli %2 --help'")
                                      .arg(name, best->name()));
            if (option->valueName.isEmpty()) {
                if (hasInlineValue)
                    return usageError(QStringLiteral("option '--%1' takes no value").arg(name));
                invocation.args.options[name].append(QString());
                continue;
            }
            if (!hasInlineValue) {
                if (i + 1 >= rest.size())
                    return usageError(
                        QStringLiteral("option '--%1' needs a value: --%1 %2").arg(name, option->valueName));
                value = rest.at(++i);
            }
            if (invocation.args.options.contains(name) && !option->repeatable)
                return usageError(QStringLiteral("option '--%1' is given twice").arg(name));
            invocation.args.options[name].append(value);
            continue;
        }
        if (!onlyPositional && token.startsWith(u'-') && token.size() > 1)
            return usageError(QStringLiteral("unknown option '%1' for '%2': see 'poolkeeper-cli %2 --help'")
                                  .arg(token, best->name()));
        invocation.args.positional.append(token);
    }
    const int count = static_cast<int>(invocation.args.positional.size());
    if (count < best->minArgs)
        return usageError(
            QStringLiteral("'%1' needs %2: usage: %3").arg(best->name(), best->arguments, best->synopsis()));
    if (count > best->maxArgs)
        return usageError(QStringLiteral("too many arguments for '%1' ('%2'): usage: %3")
                              .arg(best->name(), invocation.args.positional.at(best->maxArgs), best->synopsis()));
    return invocation;
}

QString globalHelp(const QList<CommandSpec>& commands)
{
    QString text
        = QStringLiteral("Usage: poolkeeper-cli [--workspace DIR] COMMAND [ARGS...]\n"
                         "\n"
                         "Keeps backup storage pools balanced: when a storage fills past the pool's high watermark\n"
                         "while another is at or under the low one, consistent users and their snapshots move to\n"
                         "freer storages, verified, while backups go on.\n"
                         "\n"
                         "Commands:\n");
    int width = 0;
    for (const CommandSpec& command : commands) {
        if (!command.hidden)
            width = qMax(width, static_cast<int>((command.name() + u' ' + command.arguments).size()));
    }
    for (const CommandSpec& command : commands) {
        if (command.hidden)
            continue;
        QString left = command.name();
        if (!command.arguments.isEmpty())
            left += u' ' + command.arguments;
        text += QStringLiteral("  %1  %2\n").arg(left, -width).arg(command.summary);
    }
    text += QStringLiteral(
        "\n"
        "Options:\n"
        "  --workspace DIR  the workspace (default: $POOLKEEPER_WORKSPACE, else $XDG_DATA_HOME/poolkeeper)\n"
        "  --help           this help; 'poolkeeper-cli COMMAND --help' explains a command\n"
        "  --version        print the version\n"
        "\n"
        "Exit codes: 0 success, 1 the operation failed, 2 usage error, 3 not found.\n");
    return text;
}

QString commandHelp(const CommandSpec& command)
{
    QString text = QStringLiteral("Usage: %1\n\n%2\n").arg(command.synopsis(), command.summary);
    if (!command.description.isEmpty())
        text += u'\n' + command.description + u'\n';
    text += QStringLiteral("\nOptions:\n");
    if (!command.options.isEmpty()) {
        int width = 0;
        for (const OptionSpec& option : command.options)
            width = qMax(width, static_cast<int>(option.name.size() + option.valueName.size() + 3));
        for (const OptionSpec& option : command.options) {
            QString left = QStringLiteral("--") + option.name;
            if (!option.valueName.isEmpty())
                left += u' ' + option.valueName;
            text += QStringLiteral("  %1  %2\n").arg(left, -width).arg(option.help);
        }
    }
    text += QStringLiteral("  %1  %2\n")
                .arg(QStringLiteral("--workspace DIR"), -qMax(15, 0))
                .arg(QStringLiteral("the workspace to use"));
    return text;
}

} // namespace pk::cli
