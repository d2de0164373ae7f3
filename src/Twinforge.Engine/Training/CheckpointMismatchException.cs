namespace Twinforge.Engine.Training;

/// <summary>
/// A run directory's checkpoint belongs to a run with other options, data or trainable parameters, so resuming from
/// it would not continue that run. Callers that know the run's settings (a recipe) can say which of them differ.
/// </summary>
public sealed class CheckpointMismatchException(string checkpointDirectory)
    : InvalidOperationException($"{checkpointDirectory} belongs to a run with other options, data or trainable parameters: " +
                                "resume with exactly the settings it was started with, or choose another run directory")
{
    /// <summary>The checkpoint that does not match.</summary>
    public string CheckpointDirectory { get; } = checkpointDirectory;
}
