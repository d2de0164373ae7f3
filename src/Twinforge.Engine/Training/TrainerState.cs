using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Data;

namespace Twinforge.Engine.Training;

/// <summary>
/// Everything besides tensors that a run needs to continue exactly where a checkpoint left it: which run it is, its
/// <see cref="RunProgress"/>, and the state of the parts that keep their own — the data position, the dropout
/// generator and early stopping. Saved as <c>trainer_state.json</c>.
/// </summary>
public sealed record TrainerState
{
    public const string FileName = "trainer_state.json";

    /// <summary>2: the progress is one nested object. Version 1 files, which kept its fields at the top level, still load.</summary>
    public const int CurrentFormatVersion = 2;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Identifies the run's options, data and trainable parameters: a checkpoint resumes only the same run.</summary>
    public required string RunFingerprint { get; init; }

    /// <summary>The run's options as JSON (<see cref="RunIdentity.Options"/>); null in checkpoints written before it was kept.</summary>
    public string? RunOptions { get; init; }

    /// <summary>The hash of the trainable parameters (<see cref="RunIdentity.Parameters"/>); null in older checkpoints.</summary>
    public string? RunParameters { get; init; }

    /// <summary>The hash of the data (<see cref="RunIdentity.Data"/>); null in older checkpoints.</summary>
    public string? RunData { get; init; }

    public required int TotalSteps { get; init; }

    /// <summary>
    /// The precision the run trains in, automatic already resolved: its resumes use it rather than measure again
    /// (null in checkpoints written before it was recorded).
    /// </summary>
    public TrainingPrecision? Precision { get; init; }

    /// <summary>True once the run has ended: resuming a finished run only restores its result.</summary>
    public bool Finished { get; init; }

    /// <summary>The run's counters and histories.</summary>
    public required RunProgress Progress { get; init; }

    /// <summary>The next batch the data iterator yields.</summary>
    public required BatchPosition Position { get; init; }

    /// <summary>The model's dropout generator (<see cref="Models.DropoutRandomness"/>), as its state bytes.</summary>
    public required byte[] RandomState { get; init; }

    public required EarlyStoppingState EarlyStopping { get; init; }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    public static TrainerState Load(string path)
    {
        try
        {
            var document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                           ?? throw new InputFileException(path, "the trainer state is not a JSON object");
            if (document["format_version"] is JsonValue version && version.TryGetValue<int>(out var number) && number == 1)
            {
                // Version 1 kept the progress fields beside the others, under the same names: read them as the progress
                // (each record skips the other's fields).
                document["progress"] = document.DeepClone();
                document["format_version"] = CurrentFormatVersion;
            }
            var state = document.Deserialize<TrainerState>(JsonOptions) ?? throw new InputFileException(path, "the trainer state is null");
            if (state.FormatVersion != CurrentFormatVersion)
                throw new InputFileException(path, $"format version {state.FormatVersion} is not the supported {CurrentFormatVersion} (or 1)", "format_version");
            return state;
        }
        catch (JsonException exception)
        {
            throw new InputFileException(path, $"malformed trainer state: {exception.Message}", exception.Path, exception.LineNumber + 1, exception);
        }
    }

    static readonly JsonSerializerOptions JsonOptions = new(MetricsLog.SerializerOptions) { WriteIndented = true };
}
