using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Twinforge.Service.Completions;

/// <summary>
/// The completions' instruments, on the meter <c>Twinforge.Completions</c> (exported with every <c>Twinforge.*</c>
/// meter at <c>/metrics</c>). Tags stay few and bounded — whether the answer streamed, how it ended, base or twin —
/// never the model's name: thousands of twins would make thousands of series.
/// </summary>
public sealed class CompletionMetrics : IDisposable
{
    public const string MeterName = "Twinforge.Completions";

    readonly Meter meter = new(MeterName);
    readonly Counter<long> completions;
    readonly Counter<long> promptTokens;
    readonly Counter<long> completionTokens;
    readonly Histogram<double> generationDuration;
    readonly Histogram<double> timeToFirstPiece;
    readonly Histogram<double> waitDuration;

    public CompletionMetrics()
    {
        completions = meter.CreateCounter<long>("twinforge.completions.requests", "{request}",
            "Completions generated (each choice of a chat or text completion), by outcome (completed, cancelled by the client leaving, refused as too long for the model, failed) and finish reason");
        promptTokens = meter.CreateCounter<long>("twinforge.completions.prompt_tokens", "{token}", "Prompt tokens processed, chat markup included");
        completionTokens = meter.CreateCounter<long>("twinforge.completions.completion_tokens", "{token}", "Tokens generated");
        generationDuration = meter.CreateHistogram<double>("twinforge.completions.generation.duration", "s",
            "Time from a generation's start (model loaded if needed, prompt processed) to its last token");
        timeToFirstPiece = meter.CreateHistogram<double>("twinforge.completions.time_to_first_token", "s",
            "Time from a generation's start to its first text");
        waitDuration = meter.CreateHistogram<double>("twinforge.completions.wait.duration", "s",
            "Time a request waited for a generation turn");
    }

    public void Waited(TimeSpan waited) => waitDuration.Record(waited.TotalSeconds);

    public void FirstPiece(TimeSpan elapsed, bool stream) => timeToFirstPiece.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stream", stream));

    /// <summary>One generation's end: its outcome, and the tokens it processed and produced (known only when it completed).</summary>
    public void Finished(string outcome, string? finishReason, bool stream, bool twin, TimeSpan elapsed, int? prompt, int? generated)
    {
        var tags = new TagList
        {
            { "outcome", outcome },
            { "finish_reason", finishReason ?? "none" },
            { "stream", stream },
            { "model.kind", twin ? "twin" : "base" },
        };
        completions.Add(1, tags);
        generationDuration.Record(elapsed.TotalSeconds, tags);
        if (prompt is int p) promptTokens.Add(p, new KeyValuePair<string, object?>("model.kind", twin ? "twin" : "base"));
        if (generated is int g) completionTokens.Add(g, new KeyValuePair<string, object?>("model.kind", twin ? "twin" : "base"));
    }

    public void Dispose() => meter.Dispose();
}
