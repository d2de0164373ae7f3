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

    /// <summary>
    /// Against its parent on the same held-out clips, in words. The parent's figure here is its loss on this version's
    /// clips, not the one listed on its own row (its own held-out clips were others).
    /// </summary>
    public string Verdict => PreviousVersion is int parent && PreviousVersionHeldOutMelLoss is double before
        ? Invariant($"voice: {(HeldOutMelLoss < before ? "better" : "not better")} than version {parent} ({before:F4} on these clips)")
        : Invariant($"voice: first version (unadapted {UnadaptedHeldOutMelLoss:F4})");

    /// <summary>The figures in words, for the command that trained the version.</summary>
    public string Summary => Invariant($"held-out mel loss {HeldOutMelLoss:F4} on {HeldOutClips} held-out clips (the foundation unadapted: ") +
                             Invariant($"{UnadaptedHeldOutMelLoss:F4}; lower is closer to the creator), adapted on {Clips} clips for {Epochs} epochs");
}
