using System.Text.Json;
using Twinforge.Engine.Data;

namespace Twinforge.Engine.Training;

/// <summary>
/// Everything besides tensors that a run needs to continue exactly where a checkpoint left it: counters, the data
/// position, the random generator's state, early stopping, and the metrics so far. Saved as
/// <c>trainer_state.json</c>.
/// </summary>
public sealed record TrainerState
{
    public const string FileName = "trainer_state.json";
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Identifies the run's options, data and trainable parameters: a checkpoint resumes only the same run.</summary>
    public required string RunFingerprint { get; init; }

    /// <summary>Optimizer updates done (skipped ones included: they advance the schedule and the data).</summary>
    public required int Step { get; init; }

    public required int TotalSteps { get; init; }

    /// <summary>The next batch the data iterator yields.</summary>
    public required BatchPosition Position { get; init; }

    public required long TokensSeen { get; init; }

    /// <summary>The model's dropout generator (<see cref="Models.DropoutRandomness"/>), as its state bytes.</summary>
    public required byte[] RandomState { get; init; }

    public required EarlyStoppingState EarlyStopping { get; init; }

    public required int ConsecutiveNonFiniteSteps { get; init; }

    public required int SkippedSteps { get; init; }

    /// <summary>Training loss summed over the updates since the last evaluation, and their count.</summary>
    public required double TrainLossSinceEvaluation { get; init; }

    public required int StepsSinceEvaluation { get; init; }

    /// <summary>The loss of every update so far (NaN for skipped ones).</summary>
    public required IReadOnlyList<double> TrainLosses { get; init; }

    public required IReadOnlyList<EvaluationCompleted> Evaluations { get; init; }

    /// <summary>
    /// The precision the run trains in, automatic already resolved: its resumes use it rather than measure again
    /// (null in checkpoints written before it was recorded).
    /// </summary>
    public TrainingPrecision? Precision { get; init; }

    /// <summary>True once the run has ended: resuming a finished run only restores its result.</summary>
    public bool Finished { get; init; }

    public bool StoppedEarly { get; init; }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    public static TrainerState Load(string path)
    {
        try
        {
            var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), JsonOptions)
                        ?? throw new InputFileException(path, "the trainer state is null");
            if (state.FormatVersion != CurrentFormatVersion)
                throw new InputFileException(path, $"format version {state.FormatVersion} is not the supported {CurrentFormatVersion}", "format_version");
            return state;
        }
        catch (JsonException exception)
        {
            throw new InputFileException(path, $"malformed trainer state: {exception.Message}", exception.Path, exception.LineNumber + 1, exception);
        }
    }

    static readonly JsonSerializerOptions JsonOptions = new(MetricsLog.SerializerOptions) { WriteIndented = true };
}
