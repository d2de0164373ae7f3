using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twinforge.Engine.Training;

/// <summary>
/// The run's <c>metrics.jsonl</c>: one JSON object per <see cref="TrainingEvent"/>, flushed as written so a
/// reader (a dashboard, <c>tail -f</c>) sees progress live and a killed run keeps everything up to the kill.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    /// <summary>snake_case names, and NaN/Infinity allowed: a skipped step's loss is NaN by nature.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    readonly StreamWriter writer;

    MetricsLog(string path, StreamWriter writer)
    {
        Path = path;
        this.writer = writer;
    }

    public string Path { get; }

    /// <summary>Starts a new log in <paramref name="runDirectory"/>, replacing an old one.</summary>
    public static MetricsLog Create(string runDirectory)
    {
        var path = System.IO.Path.Combine(runDirectory, FileName);
        return new MetricsLog(path, new StreamWriter(path, append: false));
    }

    /// <summary>
    /// Continues the log of a run resumed at <paramref name="resumedStep"/>: events of later steps (written by the
    /// interrupted run after its last checkpoint) are dropped first, atomically, so the log reads as one run.
    /// </summary>
    public static MetricsLog Resume(string runDirectory, int resumedStep)
    {
        var path = System.IO.Path.Combine(runDirectory, FileName);
        if (File.Exists(path))
        {
            var kept = File.ReadLines(path).Where(line => StepOf(line) is int step && step <= resumedStep && !IsRunBoundary(line)).ToList();
            AtomicFile.WriteAllText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
        }
        return new MetricsLog(path, new StreamWriter(path, append: true));
    }

    public void Write(TrainingEvent trainingEvent)
    {
        writer.WriteLine(JsonSerializer.Serialize(trainingEvent, SerializerOptions));
        writer.Flush();
    }

    /// <summary>Reads a log back (for reports, the CLI and tests).</summary>
    public static IReadOnlyList<TrainingEvent> Read(string path) =>
        File.ReadLines(path).Where(line => line.Length > 0)
            .Select((line, index) =>
            {
                try
                {
                    return JsonSerializer.Deserialize<TrainingEvent>(line, SerializerOptions)
                           ?? throw new InputFileException(path, "the line is null", line: index + 1);
                }
                catch (JsonException exception)
                {
                    throw new InputFileException(path, $"not a training event: {exception.Message}", line: index + 1);
                }
            })
            .ToList();

    static int? StepOf(string line)
    {
        if (line.Length == 0) return null;
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("step", out var step) ? step.GetInt32() : null;
        }
        catch (JsonException)
        {
            return null; // a line cut short by the kill
        }
    }

    // The interrupted run's "run_finished" cannot exist (it was killed), but a finished run resumed again must not keep its old one.
    static bool IsRunBoundary(string line) => line.Contains("\"event\":\"run_finished\"", StringComparison.Ordinal);

    public void Dispose() => writer.Dispose();
}
