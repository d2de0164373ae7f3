using System.Text.Json;

namespace Twinforge.Service.Jobs;

/// <summary>
/// What a job keeps of its request and plan, as the registry's opaque settings (JSON): enough to show the job (its
/// organisation, the twin version it trains, the hyperparameters it resolved to, metadata) and to finish it (promotion).
/// </summary>
/// <remarks><c>Organization</c> and <c>Creator</c> are public ids ("org-…", "creator-…": the creator whose data it trains on).</remarks>
public sealed record JobSettings(
    string Organization,
    string Creator,
    string Twin,
    int Version,
    int? ParentVersion,
    HyperparametersObject Hyperparameters,
    IReadOnlyDictionary<string, string>? Metadata,
    string? PromoteTo,
    double PromotionMargin)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The model a succeeded job makes, as chat completions resolve it: <c>creator/twin@version</c>.</summary>
    public string FineTunedModel => $"{Creator}/{Twin}@{Version}";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JobSettings FromJson(string json) => JsonSerializer.Deserialize<JobSettings>(json, Json)
        ?? throw new JsonException("a job's settings are empty");
}
