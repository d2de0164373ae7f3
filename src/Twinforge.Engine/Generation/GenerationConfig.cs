using Twinforge.Engine.Tokenization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Generation;

/// <summary>
/// A checkpoint's <c>generation_config.json</c>: the decoding defaults its authors chose. Unknown keys are kept
/// and written back unchanged.
/// </summary>
public sealed record GenerationConfig
{
    public bool DoSample { get; init; }
    public double? Temperature { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public double? RepetitionPenalty { get; init; }
    public int? MaxNewTokens { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? BosTokenId { get; init; }
    public int? PadTokenId { get; init; }
    public JsonObject ExtraFields { get; init; } = new();

    public const string FileName = "generation_config.json";

    /// <summary>Reads the file; null when the directory has none.</summary>
    public static GenerationConfig? LoadIfPresent(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var json = JsonFields.ReadObject(path);
        var reader = new ConfigFieldReader(json, path);
        return new GenerationConfig
        {
            DoSample = reader.OptionalBool("do_sample") ?? false,
            Temperature = reader.OptionalDouble("temperature"),
            TopK = reader.OptionalInt("top_k"),
            TopP = reader.OptionalDouble("top_p"),
            RepetitionPenalty = reader.OptionalDouble("repetition_penalty"),
            MaxNewTokens = reader.OptionalInt("max_new_tokens"),
            EosTokenIds = reader.OptionalIntList("eos_token_id"),
            BosTokenId = reader.OptionalInt("bos_token_id"),
            PadTokenId = reader.OptionalInt("pad_token_id"),
            ExtraFields = reader.UnreadFields(),
        };
    }

    /// <summary>Decoding options with these defaults (greedy unless the config samples).</summary>
    public GenerationOptions ToOptions() => new()
    {
        Temperature = DoSample ? Temperature ?? 1.0 : 0.0,
        TopK = DoSample ? TopK ?? 0 : 0,
        TopP = DoSample ? TopP ?? 1.0 : 1.0,
        RepetitionPenalty = RepetitionPenalty ?? 1.0,
        MaxNewTokens = MaxNewTokens ?? 128,
        StopTokenIds = EosTokenIds,
    };

    public void Save(string directory)
    {
        var json = (JsonObject)ExtraFields.DeepClone();
        json["do_sample"] = DoSample;
        if (Temperature is double temperature) json["temperature"] = temperature;
        if (TopK is int topK) json["top_k"] = topK;
        if (TopP is double topP) json["top_p"] = topP;
        if (RepetitionPenalty is double penalty) json["repetition_penalty"] = penalty;
        if (MaxNewTokens is int maxNew) json["max_new_tokens"] = maxNew;
        if (EosTokenIds.Count == 1) json["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) json["eos_token_id"] = new JsonArray(EosTokenIds.Select(id => (JsonNode)id).ToArray());
        if (BosTokenId is int bos) json["bos_token_id"] = bos;
        if (PadTokenId is int pad) json["pad_token_id"] = pad;
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
