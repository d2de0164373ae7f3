using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

// The legacy text completions API's shapes (/v1/completions), as the hosted API and the official SDKs send and parse
// them (snake_case comes from the service's JSON options). Fields that can be a string or an array (prompt, stop)
// arrive as JSON elements and are read by TextCompletionParameters, which names the parameter at fault.

public sealed record TextCompletionRequest(
    string? Model,
    JsonElement? Prompt,
    int? MaxTokens,
    double? Temperature,
    double? TopP,
    int? N,
    bool? Stream,
    StreamOptionsRequest? StreamOptions,
    JsonElement? Stop,
    long? Seed,
    string? User,
    int? Logprobs,
    // Accepted at their defaults only; anything else is refused naming the parameter.
    bool? Echo,
    string? Suffix,
    int? BestOf,
    double? FrequencyPenalty,
    double? PresencePenalty,
    JsonElement? LogitBias) : ICompletionRequest
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unrecognised { get; init; }

    IReadOnlyDictionary<string, JsonElement>? ICompletionRequest.Unrecognised => Unrecognised;
}

/// <summary>
/// A text completion, whole (<c>object: "text_completion"</c>, with its usage and provenance), or one chunk of its
/// stream in the same shape: a piece of one choice's text, a choice's end (empty text, its finish reason), or, with
/// <c>stream_options.include_usage</c>, a last one with no choices and the usage. The last chunk before
/// <c>[DONE]</c> carries the provenance records under <c>twinforge</c>.
/// </summary>
public sealed record TextCompletionObject(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<TextCompletionChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageObject? Usage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TwinforgeCompletionExtension? Twinforge)
{
    public const string ObjectName = "text_completion";
}

/// <summary>A choice: <c>index</c> is prompt_index × n + i; <c>finish_reason</c> is null in a stream's pieces.</summary>
public sealed record TextCompletionChoice(string Text, int Index, TextLogprobs? Logprobs, string? FinishReason);

/// <summary>
/// The legacy log-probabilities (<c>logprobs: k</c>): per generated token, its text, its natural-log probability
/// under the twin (the raw distribution, before temperature and filtering), the k most likely tokens at its position
/// with theirs (and the chosen token's, when it is not among them, as the hosted API does), and where it starts — in
/// UTF-16 code units from the start of the prompt, so the first token's offset is the prompt's length.
/// </summary>
public sealed record TextLogprobs(IReadOnlyList<string> Tokens, IReadOnlyList<float> TokenLogprobs, IReadOnlyList<JsonObject> TopLogprobs,
    IReadOnlyList<int> TextOffset)
{
    /// <summary><paramref name="tokens"/>' log-probabilities, the first starting at <paramref name="offset"/>, which is moved past the last.</summary>
    public static TextLogprobs From(IReadOnlyList<ServedToken> tokens, ref int offset)
    {
        var offsets = new List<int>(tokens.Count);
        foreach (var token in tokens)
        {
            offsets.Add(offset);
            offset += token.Token.Length;
        }
        // A JSON object rather than a dictionary: the service's dictionary key policy (snake_case) must not touch tokens.
        // Two ids may read alike (partial characters are U+FFFD): the more likely keeps the key.
        var top = tokens.Select(token =>
        {
            var alternatives = new JsonObject();
            foreach (var alternative in token.TopLogprobs) alternatives.TryAdd(alternative.Token, alternative.Logprob);
            alternatives.TryAdd(token.Token, token.Logprob);
            return alternatives;
        }).ToList();
        return new TextLogprobs(tokens.Select(token => token.Token).ToList(), tokens.Select(token => token.Logprob).ToList(), top, offsets);
    }
}
