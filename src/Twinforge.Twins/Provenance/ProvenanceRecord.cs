using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Twins.Provenance;

/// <summary>
/// What a completion was: who asked (organisation), what answered (twin, version, creator, the adapter's and base
/// model's content hashes), how (sampling settings), how much (token counts), what (SHA-256 of the prompt and of the
/// text), the watermark key if one was applied, when, and which key signs it. Its JSON form has the members in the
/// canonical order (<see cref="CanonicalJson"/>), so the record as sent is exactly the signed bytes with
/// <c>"signature"</c> appended. The prompt and the text themselves are never part of it: the record outlives their
/// erasure, and anyone holding them can check them against its hashes.
/// </summary>
public sealed record ProvenanceRecord
{
    /// <summary>The value of <c>format</c>; a verifier refuses any other.</summary>
    public const string FormatName = "twinforge.provenance.v1";

    public required string Id { get; init; }
    public required string CompletionId { get; init; }
    public required string Organization { get; init; }
    /// <summary>The model as the response named it (<c>creator-…/twin@2</c>, or a base model's name).</summary>
    public required string Model { get; init; }
    public string? Creator { get; init; }
    public string? Twin { get; init; }
    public int? TwinVersion { get; init; }
    /// <summary>The LoRA adapter's artifact hash (SHA-256 of its deterministic archive); null for a base or a fully fine-tuned version.</summary>
    public string? AdapterSha256 { get; init; }
    /// <summary>A fully fine-tuned version's weights (its artifact hash); null otherwise.</summary>
    public string? MergedModelSha256 { get; init; }
    public required string BaseModel { get; init; }
    public string? BaseModelSha256 { get; init; }
    public required ProvenanceSampling Sampling { get; init; }
    public required int PromptTokens { get; init; }
    public required int CompletionTokens { get; init; }
    public required string FinishReason { get; init; }
    public required string PromptSha256 { get; init; }
    public required string TextSha256 { get; init; }
    /// <summary>The id of the watermark key applied to the text (the service's: <c>wm-org-…-1</c>); null when none was.</summary>
    public string? WatermarkKeyId { get; init; }
    /// <summary>Seconds since the Unix epoch, UTC, as the completion's <c>created</c>.</summary>
    public required long Created { get; init; }
    public required string KeyId { get; init; }

    /// <summary>The record as a JSON object, members in canonical order (what is signed).</summary>
    public JsonObject ToJson() => new()
    {
        ["adapter_sha256"] = AdapterSha256,
        ["base_model"] = BaseModel,
        ["base_model_sha256"] = BaseModelSha256,
        ["completion_id"] = CompletionId,
        ["completion_tokens"] = CompletionTokens,
        ["created"] = Created,
        ["creator"] = Creator,
        ["finish_reason"] = FinishReason,
        ["format"] = FormatName,
        ["id"] = Id,
        ["key_id"] = KeyId,
        ["merged_model_sha256"] = MergedModelSha256,
        ["model"] = Model,
        ["organization"] = Organization,
        ["prompt_sha256"] = PromptSha256,
        ["prompt_tokens"] = PromptTokens,
        ["sampling"] = SamplingJson(Sampling),
        ["text_sha256"] = TextSha256,
        ["twin"] = Twin,
        ["twin_version"] = TwinVersion,
        ["watermark_key_id"] = WatermarkKeyId,
    };

    /// <summary>The sampling settings as the record has them (members in canonical order).</summary>
    public static JsonObject SamplingJson(ProvenanceSampling sampling) => new()
    {
        ["max_tokens"] = sampling.MaxTokens,
        ["seed"] = sampling.Seed,
        ["stop"] = new JsonArray([.. sampling.Stop.Select(stop => (JsonNode?)stop)]),
        ["temperature"] = sampling.Temperature,
        ["top_p"] = sampling.TopP,
    };

    /// <summary>The bytes a signature covers: the record without its signature, canonical (RFC 8785), UTF-8.</summary>
    public byte[] CanonicalBytes() => CanonicalJson.Encode(JsonSerializer.SerializeToElement(ToJson()));

    /// <summary>
    /// The prompt of a chat completion as a record hashes and stores it: the messages as the engine read them, a
    /// canonical JSON array of <c>{"content":…,"role":"system"|"user"|"assistant"}</c>.
    /// </summary>
    public static string PromptJson(IReadOnlyList<ChatMessage> messages) => CanonicalJson.ToText(JsonSerializer.SerializeToElement(
        new JsonArray([.. messages.Select(m => (JsonNode?)new JsonObject { ["content"] = m.Content, ["role"] = ChatMessage.RoleName(m.Role) })])));

    /// <summary>The prompt of a text completion as a record hashes and stores it: the text as a canonical JSON string (<c>"Once upon"</c>).</summary>
    public static string PromptJson(string prompt) => CanonicalJson.ToText(JsonSerializer.SerializeToElement(prompt));

    /// <summary>SHA-256 (lowercase hex) of <paramref name="text"/>'s UTF-8 bytes: <c>text_sha256</c> of the generated text, <c>prompt_sha256</c> of the prompt's <c>PromptJson</c>.</summary>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Reads a record's fields (the <c>signature</c> member, if present, is not one of them), checking each: a missing,
    /// mistyped or malformed field, or one the format does not have, is a <see cref="ProvenanceFormatException"/> naming it.
    /// </summary>
    public static ProvenanceRecord Read(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new ProvenanceFormatException("record", $"must be a JSON object, not {record.ValueKind}");
        foreach (var member in record.EnumerateObject())
            if (member.Name != "signature" && !FieldNames.Contains(member.Name))
                throw new ProvenanceFormatException(member.Name, $"is not a field of {FormatName}");
        var format = Text(record, "format");
        if (format != FormatName) throw new ProvenanceFormatException("format", $"is '{format}'; this verifier reads {FormatName}");
        return new ProvenanceRecord
        {
            Id = Prefixed(record, "id", "prov-"),
            CompletionId = Prefixed(record, "completion_id", "chatcmpl-", "cmpl-"), // a chat or a text completion
            Organization = Prefixed(record, "organization", "org-"),
            Model = Text(record, "model"),
            Creator = OptionalText(record, "creator"),
            Twin = OptionalText(record, "twin"),
            TwinVersion = Optional(record, "twin_version") is { } version ? Count(version, "twin_version", minimum: 1) : null,
            AdapterSha256 = OptionalHash(record, "adapter_sha256"),
            MergedModelSha256 = OptionalHash(record, "merged_model_sha256"),
            BaseModel = Text(record, "base_model"),
            BaseModelSha256 = OptionalHash(record, "base_model_sha256"),
            Sampling = ReadSampling(Required(record, "sampling")),
            PromptTokens = Count(Required(record, "prompt_tokens"), "prompt_tokens"),
            CompletionTokens = Count(Required(record, "completion_tokens"), "completion_tokens"),
            FinishReason = Text(record, "finish_reason"),
            PromptSha256 = Hash(record, "prompt_sha256"),
            TextSha256 = Hash(record, "text_sha256"),
            WatermarkKeyId = OptionalText(record, "watermark_key_id"),
            Created = Integer(Required(record, "created"), "created", minimum: 0),
            KeyId = Text(record, "key_id"),
        };
    }

    static readonly HashSet<string> FieldNames =
    [
        "adapter_sha256", "base_model", "base_model_sha256", "completion_id", "completion_tokens", "created", "creator", "finish_reason", "format",
        "id", "key_id", "merged_model_sha256", "model", "organization", "prompt_sha256", "prompt_tokens", "sampling", "text_sha256", "twin",
        "twin_version", "watermark_key_id",
    ];

    static ProvenanceSampling ReadSampling(JsonElement sampling)
    {
        if (sampling.ValueKind != JsonValueKind.Object) throw new ProvenanceFormatException("sampling", "must be an object");
        var stop = Required(sampling, "stop", "sampling.");
        if (stop.ValueKind != JsonValueKind.Array || stop.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            throw new ProvenanceFormatException("sampling.stop", "must be an array of strings");
        return new ProvenanceSampling(
            Real(Required(sampling, "temperature", "sampling."), "sampling.temperature"),
            Real(Required(sampling, "top_p", "sampling."), "sampling.top_p"),
            Count(Required(sampling, "max_tokens", "sampling."), "sampling.max_tokens", minimum: 1),
            Optional(sampling, "seed") is { } seed ? Integer(seed, "sampling.seed", long.MinValue) : null,
            [.. stop.EnumerateArray().Select(s => s.GetString()!)]);
    }

    static JsonElement Required(JsonElement parent, string name, string path = "") =>
        parent.TryGetProperty(name, out var value) ? value : throw new ProvenanceFormatException(path + name, "is missing");

    static JsonElement? Optional(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value)) throw new ProvenanceFormatException(name, "is missing (null when it does not apply)");
        return value.ValueKind == JsonValueKind.Null ? null : value;
    }

    static string Text(JsonElement parent, string name) => Required(parent, name) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } text
        ? text
        : throw new ProvenanceFormatException(name, "must be a non-empty string");

    static string? OptionalText(JsonElement parent, string name) => Optional(parent, name) is { } value
        ? value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : throw new ProvenanceFormatException(name, "must be a non-empty string or null")
        : null;

    static string Prefixed(JsonElement parent, string name, params string[] prefixes)
    {
        var text = Text(parent, name);
        return prefixes.Any(prefix => text.StartsWith(prefix, StringComparison.Ordinal))
            ? text
            : throw new ProvenanceFormatException(name, $"must start with {string.Join(" or ", prefixes.Select(prefix => $"'{prefix}'"))}");
    }

    static string Hash(JsonElement parent, string name) =>
        OptionalHash(parent, name) ?? throw new ProvenanceFormatException(name, "must be a SHA-256 in lowercase hex, not null");

    static string? OptionalHash(JsonElement parent, string name)
    {
        var text = OptionalText(parent, name);
        if (text is not null && (text.Length != 64 || !text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f')))
            throw new ProvenanceFormatException(name, "must be a SHA-256 in lowercase hex (64 characters)");
        return text;
    }

    static long Integer(JsonElement value, string name, long minimum) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= minimum
            ? number
            : throw new ProvenanceFormatException(name, minimum == long.MinValue ? "must be an integer" : $"must be an integer of at least {minimum}");

    static int Count(JsonElement value, string name, int minimum = 0) =>
        Integer(value, name, minimum) is var number && number <= int.MaxValue ? (int)number : throw new ProvenanceFormatException(name, "is too large");

    static double Real(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.GetDouble() is var number && number >= 0
            ? number
            : throw new ProvenanceFormatException(name, "must be a non-negative number");

    /// <summary>A summary for people: what answered whom, when.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Id}: {Model} answered {Organization} at {DateTimeOffset.FromUnixTimeSeconds(Created):u} ({PromptTokens} prompt and {CompletionTokens} completion tokens)");
}
