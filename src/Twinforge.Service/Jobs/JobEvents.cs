using System.Text.Json;
using Twinforge.Registry;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Jobs;

/// <summary>
/// Records a job's events in the hosted API's terms (levels <c>info</c>, <c>warn</c>, <c>error</c>; types <c>message</c>
/// and <c>metrics</c>), each with a fresh <c>ftevent-…</c> id, and logs each with the job's id in its scope.
/// </summary>
public sealed class JobEvents(ITwinRegistry registry, ILogger logger, long jobId)
{
    /// <summary>Event data and checkpoint metrics as JSON; a loss that is not a number is written "NaN" rather than refused.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public FineTuningJobEvent? Info(string message, object? data = null) => Add("info", "message", message, data);

    public FineTuningJobEvent? Warn(string message) => Add("warn", "message", message, null);

    public FineTuningJobEvent? Error(string message) => Add("error", "message", message, null);

    public FineTuningJobEvent? Metrics(string message, object data) => Add("info", "metrics", message, data);

    FineTuningJobEvent? Add(string level, string type, string message, object? data)
    {
        var logLevel = level switch { "warn" => LogLevel.Warning, "error" => LogLevel.Error, _ => type == "metrics" ? LogLevel.Debug : LogLevel.Information };
        logger.Log(logLevel, "job event: {Message}", message);
        return registry.AddJobEvent(jobId, new NewFineTuningJobEvent(PublicIds.New(PublicIds.JobEvent), level, type, message,
            data is null ? null : JsonSerializer.Serialize(data, Json)));
    }

    /// <summary>
    /// The log scope of everything done for one job: its public id, as structured logs carry it (<c>JobId</c>), and a
    /// message a person reads (a dictionary's scope would be written as its .NET type's name).
    /// </summary>
    public static IDisposable? Scope(ILogger logger, string jobPublicId) => logger.BeginScope("fine-tuning job {JobId}", jobPublicId);
}
