#pragma once

// What became of a command given to the engine, as a typed value: which command, how it ended,
// and its data. The UI decides by the enums; message() makes the one text for people.

#include <QCoreApplication>
#include <QMetaType>
#include <QString>

namespace pk {

enum class EngineCommand : quint8 {
    Scan,
    Plan,
    Approve,
    Reject,
    Balance,
    CancelJob,
    Drain,
    AcknowledgeAlert,
    AddPool,
    AddStorage,
    UpdatePool,
    SupportBundle,
    Housekeeping, // the engine's own: settling interrupted backups, removing failed copies
    EmptyTrash, // the engine's own: freeing the space of compacted users after a job
};

enum class CommandResult : quint8 {
    Done,
    NothingToMove, // balance: the plan has no move
    JobNotActive, // cancel refused: the job is neither pending nor running
    JobPastSwitch, // cancel refused: the user already lives on the destination; the job finishes
    Failed, // detail holds the error
};

struct CommandOutcome
{
    Q_DECLARE_TR_FUNCTIONS(CommandOutcome)

public:
    EngineCommand command = EngineCommand::Scan;
    CommandResult result = CommandResult::Done;
    QString subject; // the pool, storage, file or job state the command was about
    qint64 jobId = 0;
    qint64 count = 0; // moves approved, files written
    QString detail; // plan summary, notes, or the error

    static CommandOutcome done(EngineCommand command, QString subject = {}, qint64 count = 0, QString detail = {});
    static CommandOutcome failed(EngineCommand command, QString error);

    bool succeeded() const { return result == CommandResult::Done || result == CommandResult::NothingToMove; }
    // The command's name for people ("approve", "add pool").
    QString commandName() const;
    // What happened, for people; the error itself when the command failed.
    QString message() const;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::CommandOutcome)
