using System.Text.Json;
using static System.FormattableString;

namespace Twinforge.Twins.Voice;

/// <summary>A voice twin version's figures, as <see cref="VoiceTwins"/> records them (held-out mel loss, L1 on log-mel).</summary>
public sealed record VoiceVersionMetrics(string Kind, int Clips, int HeldOutClips, double UnadaptedHeldOutMelLoss, double HeldOutMelLoss, int Epochs,
    int? PreviousVersion, double? PreviousVersionHeldOutMelLoss)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The figures of a voice version; null for a text version's metrics (or none).</summary>
    public static VoiceVersionMetrics? FromJson(string? json)
    {
        if (json is null) return null;
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("kind", out var kind) || kind.GetString() != "voice") return null;
        return JsonSerializer.Deserialize<VoiceVersionMetrics>(json, Json);
    }

    /// <summary>Against its parent on the same held-out clips, in words.</summary>
    public string Verdict => PreviousVersion is int parent && PreviousVersionHeldOutMelLoss is double before
        ? HeldOutMelLoss < before
            ? Invariant($"voice: better than version {parent} ({before:F4} on these clips)")
            : Invariant($"voice: not better than version {parent} ({before:F4})")
        : Invariant($"voice: first version (unadapted {UnadaptedHeldOutMelLoss:F4})");
}
