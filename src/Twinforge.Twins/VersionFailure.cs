using System.Text.Json;

namespace Twinforge.Twins;

/// <summary>
/// Why a version failed, recorded in place of its metrics (a failed version has none), so that <c>twin show</c> and
/// its lineage say why long after the command that printed the error is gone. Erased with the version like any metrics.
/// </summary>
public sealed record VersionFailure(string Failure)
{
    /// <summary>The record of <paramref name="reason"/>, for the version's metrics.</summary>
    public static string ToJson(string reason) => JsonSerializer.Serialize(new VersionFailure(reason), JsonSettings.Options);

    /// <summary>The reason a version's metrics record, or null when they are not a failure's (or there are none).</summary>
    public static string? ReasonIn(string? metricsJson)
    {
        if (metricsJson is null) return null;
        using var document = JsonDocument.Parse(metricsJson);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("failure", out var failure)
               && failure.ValueKind == JsonValueKind.String ? failure.GetString() : null;
    }
}
