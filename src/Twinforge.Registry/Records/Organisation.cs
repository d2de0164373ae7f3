namespace Twinforge.Registry.Records;

/// <summary>
/// A tenant of the service: it owns creators (and through them datasets and twins), uploaded files and API keys, and
/// sees nothing of another's. <see cref="PublicId"/> ("org-…") is how the service names it; <see cref="Id"/> is internal.
/// </summary>
public sealed record Organisation(long Id, string PublicId, string Name, DateTimeOffset CreatedAt)
{
    /// <summary>
    /// Whether its completions' provenance records keep the prompt and the generated text (opted in by the admin);
    /// otherwise only their hashes, inside the signed record.
    /// </summary>
    public bool RecordCompletionContent { get; init; }

    /// <summary>Whether the service watermarks its completions with the organisation's key: on unless its admin switched it off.</summary>
    public bool WatermarkCompletions { get; init; } = true;
}
