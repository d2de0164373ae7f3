namespace Twinforge.Registry.Records;

/// <summary>
/// Something that happened to a job, as the hosted API lists it: a level (<c>info</c>, <c>warn</c>, <c>error</c>), a type
/// (<c>message</c>, or <c>metrics</c> with the numbers in <see cref="DataJson"/>), and a message for people.
/// </summary>
public sealed record FineTuningJobEvent(long Id, string PublicId, long JobId, string Level, string Type, string Message, string? DataJson,
    DateTimeOffset CreatedAt);

/// <summary>What the caller supplies to record an event; <paramref name="DataJson"/> is a JSON object or null.</summary>
public sealed record NewFineTuningJobEvent(string PublicId, string Level, string Type, string Message, string? DataJson = null);

/// <summary>A resumable checkpoint a job's training wrote, at an update, with the metrics of that moment (a JSON object).</summary>
public sealed record FineTuningJobCheckpoint(long Id, string PublicId, long JobId, int Step, string MetricsJson, DateTimeOffset CreatedAt);

/// <summary>What the caller supplies to record a checkpoint.</summary>
public sealed record NewFineTuningJobCheckpoint(string PublicId, int Step, string MetricsJson);
