namespace Twinforge.Engine.Training;

/// <summary>
/// A run directory's checkpoint belongs to a run with other options, data or trainable parameters, so resuming from
/// it would not continue that run. Callers that know the run's settings (a recipe) can say which of them differ.
/// </summary>
/// <param name="differences">What differs, in words, when the checkpoint records it (see <see cref="RunIdentity"/>).</param>
public sealed class CheckpointMismatchException(string checkpointDirectory, IReadOnlyList<string>? differences = null)
    : InvalidOperationException($"{checkpointDirectory} belongs to a run with other options, data or trainable parameters" +
                                (differences is { Count: > 0 } ? $" ({string.Join("; ", differences)})" : "") +
                                ": resume with exactly the settings it was started with, or choose another run directory")
{
    /// <summary>The checkpoint that does not match.</summary>
    public string CheckpointDirectory { get; } = checkpointDirectory;

    /// <summary>What differs, in words ("learning_rate was 0.0002, now 0.001"); empty when the checkpoint does not say.</summary>
    public IReadOnlyList<string> Differences { get; } = differences ?? [];
}
