#include "enginerecords.h"

#include <array>

namespace pk {

namespace {

template<typename Enum, size_t N> std::optional<Enum> fromString(const QString& text, const std::array<Enum, N>& values)
{
    for (Enum value : values) {
        if (toString(value) == text)
            return value;
    }
    return std::nullopt;
}

constexpr std::array allJobStates { JobState::Pending, JobState::Running, JobState::Done, JobState::Failed,
    JobState::Cancelled };
constexpr std::array allJobPhases { JobPhase::Queued, JobPhase::Copying, JobPhase::CatchUp, JobPhase::Freeze,
    JobPhase::FinalCatchUp, JobPhase::Verifying, JobPhase::Switching, JobPhase::Unfreeze, JobPhase::Compacting,
    JobPhase::Done, JobPhase::RollingBack };
constexpr std::array allPlanStates { PlanState::Proposed, PlanState::Approved, PlanState::Rejected,
    PlanState::Superseded };

} // namespace

QString toString(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return QStringLiteral("pending");
    case JobState::Running:
        return QStringLiteral("running");
    case JobState::Done:
        return QStringLiteral("done");
    case JobState::Failed:
        return QStringLiteral("failed");
    case JobState::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

std::optional<JobState> jobStateFromString(const QString& text)
{
    return fromString(text, allJobStates);
}

QString toString(JobPhase phase)
{
    switch (phase) {
    case JobPhase::Queued:
        return QStringLiteral("queued");
    case JobPhase::Copying:
        return QStringLiteral("copying");
    case JobPhase::CatchUp:
        return QStringLiteral("catch-up");
    case JobPhase::Freeze:
        return QStringLiteral("freeze");
    case JobPhase::FinalCatchUp:
        return QStringLiteral("final-catch-up");
    case JobPhase::Verifying:
        return QStringLiteral("verifying");
    case JobPhase::Switching:
        return QStringLiteral("switching");
    case JobPhase::Unfreeze:
        return QStringLiteral("unfreeze");
    case JobPhase::Compacting:
        return QStringLiteral("compacting");
    case JobPhase::Done:
        return QStringLiteral("done");
    case JobPhase::RollingBack:
        return QStringLiteral("rolling-back");
    }
    return {};
}

std::optional<JobPhase> jobPhaseFromString(const QString& text)
{
    return fromString(text, allJobPhases);
}

QString toString(JobKind kind)
{
    return kind == JobKind::Drain ? QStringLiteral("drain") : QStringLiteral("balance");
}

QString toString(PlanState state)
{
    switch (state) {
    case PlanState::Proposed:
        return QStringLiteral("proposed");
    case PlanState::Approved:
        return QStringLiteral("approved");
    case PlanState::Rejected:
        return QStringLiteral("rejected");
    case PlanState::Superseded:
        return QStringLiteral("superseded");
    }
    return {};
}

std::optional<PlanState> planStateFromString(const QString& text)
{
    return fromString(text, allPlanStates);
}

bool isActive(JobState state)
{
    return state == JobState::Pending || state == JobState::Running;
}

} // namespace pk
