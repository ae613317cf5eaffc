#include "commandoutcome.h"

namespace pk {

CommandOutcome CommandOutcome::done(EngineCommand command, QString subject, qint64 count, QString detail)
{
    CommandOutcome outcome;
    outcome.command = command;
    outcome.subject = std::move(subject);
    outcome.count = count;
    outcome.detail = std::move(detail);
    return outcome;
}

CommandOutcome CommandOutcome::failed(EngineCommand command, QString error)
{
    CommandOutcome outcome;
    outcome.command = command;
    outcome.result = CommandResult::Failed;
    outcome.detail = std::move(error);
    return outcome;
}

QString CommandOutcome::commandName() const
{
    switch (command) {
    case EngineCommand::Scan:
        return tr("scan");
    case EngineCommand::Plan:
        return tr("plan");
    case EngineCommand::Approve:
        return tr("approve");
    case EngineCommand::Reject:
        return tr("reject");
    case EngineCommand::Balance:
        return tr("balance");
    case EngineCommand::CancelJob:
        return tr("cancel");
    case EngineCommand::Drain:
        return tr("drain");
    case EngineCommand::AcknowledgeAlert:
        return tr("acknowledge");
    case EngineCommand::AddPool:
        return tr("add pool");
    case EngineCommand::AddStorage:
        return tr("add storage");
    case EngineCommand::UpdatePool:
        return tr("pool settings");
    case EngineCommand::SupportBundle:
        return tr("support bundle");
    case EngineCommand::Housekeeping:
        return tr("housekeeping");
    case EngineCommand::EmptyTrash:
        return tr("empty trash");
    }
    return {};
}

QString CommandOutcome::message() const
{
    switch (result) {
    case CommandResult::Failed:
        return detail;
    case CommandResult::NothingToMove:
        return detail.isEmpty() ? tr("nothing to move") : detail;
    case CommandResult::JobNotActive:
        return tr("job %1 is %2, not pending or running").arg(jobId).arg(subject);
    case CommandResult::JobPastSwitch:
        return tr("job %1 is past the switch: the user already lives on '%2'; it finishes").arg(jobId).arg(subject);
    case CommandResult::Done:
        break;
    }
    const QString notes = detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(detail);
    switch (command) {
    case EngineCommand::Approve:
        return tr("%n moves approved", nullptr, static_cast<int>(count));
    case EngineCommand::Reject:
        return tr("plan rejected");
    case EngineCommand::Balance:
        return tr("%n moves approved. %1", nullptr, static_cast<int>(count)).arg(detail);
    case EngineCommand::CancelJob:
        return tr("job %1 is being cancelled").arg(jobId);
    case EngineCommand::Drain:
        return tr("draining '%1': %n moves approved", nullptr, static_cast<int>(count)).arg(subject) + notes;
    case EngineCommand::AddPool:
        return tr("added pool '%1'").arg(subject);
    case EngineCommand::AddStorage:
        return tr("added storage '%1'").arg(subject);
    case EngineCommand::UpdatePool:
        return tr("saved the settings of pool '%1'").arg(subject);
    case EngineCommand::SupportBundle:
        return tr("wrote %1 (%n files)", nullptr, static_cast<int>(count)).arg(subject)
            + (detail.isEmpty() ? QString() : QStringLiteral("; ") + detail);
    case EngineCommand::Scan:
    case EngineCommand::Plan:
    case EngineCommand::AcknowledgeAlert:
    case EngineCommand::Housekeeping:
    case EngineCommand::EmptyTrash:
        break;
    }
    return tr("done");
}

} // namespace pk
