namespace Twinforge.Engine.Training;

/// <summary>Whether a <see cref="TrainingStep"/> changed the weights, and if not, why.</summary>
internal enum StepKind
{
    /// <summary>The update was applied.</summary>
    Updated,

    /// <summary>Every label of the window was ignored: nothing to learn from, so no update (not counted as divergence).</summary>
    NoTargets,

    /// <summary>The loss, the penalty or the gradient norm was NaN or infinite: no update.</summary>
    NonFinite,
}

/// <summary>What one <see cref="TrainingStep.Take"/> did, with the figures a run logs; <see cref="Reason"/> says why an update was skipped.</summary>
internal sealed record StepOutcome(StepKind Kind, double Loss, double LearningRate, double GradientNorm, double Penalty, bool Clipped,
    long Tokens, string? Reason = null);
