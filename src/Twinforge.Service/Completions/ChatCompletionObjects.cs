using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twinforge.Service.Completions;

// The chat completions API's shapes, as the hosted API and its official SDKs send and parse them (snake_case comes
// from the service's JSON options; what text completions share is in CompletionObjects). Fields that can be a string
// or an array (content, stop) arrive as JSON elements and are read by ChatCompletionParameters, which names the
// parameter at fault.

public sealed record ChatCompletionRequest(
    string? Model,
    IReadOnlyList<ChatRequestMessage?>? Messages,
    double? Temperature,
    double? TopP,
    int? MaxTokens,
    int? MaxCompletionTokens,
    JsonElement? Stop,
    long? Seed,
    bool? Stream,
    StreamOptionsRequest? StreamOptions,
    int? N,
    string? User,
    bool? Logprobs,
    int? TopLogprobs,
    // Accepted at their defaults only, until Twinforge supports them; anything else is refused naming the parameter.
    double? FrequencyPenalty,
    double? PresencePenalty,
    JsonElement? LogitBias,
    JsonElement? ResponseFormat,
    JsonElement? Tools,
    JsonElement? ToolChoice,
    JsonElement? Functions,
    JsonElement? FunctionCall) : ICompletionRequest
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unrecognised { get; init; }

    IReadOnlyDictionary<string, JsonElement>? ICompletionRequest.Unrecognised => Unrecognised;
}

/// <summary>One message: <c>content</c> is a string or an array of <c>{"type":"text","text":…}</c> parts.</summary>
public sealed record ChatRequestMessage(string? Role, JsonElement? Content, string? Name);

public sealed record ChatCompletionObject(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<ChatCompletionChoice> Choices, UsageObject Usage, TwinforgeCompletionExtension Twinforge);

public sealed record ChatCompletionChoice(int Index, AssistantMessage Message, ChoiceLogprobs? Logprobs, string FinishReason);

/// <summary>
/// A choice's log-probabilities (<c>logprobs: true</c>): per generated token, its natural-log probability under the
/// twin (the raw model distribution, before temperature and filtering) and the <c>top_logprobs</c> most likely tokens.
/// </summary>
public sealed record ChoiceLogprobs(IReadOnlyList<TokenLogprobObject> Content, IReadOnlyList<TokenLogprobObject>? Refusal)
{
    public static ChoiceLogprobs From(IEnumerable<Twins.Serving.ServedToken> tokens) =>
        new(tokens.Select(token => new TokenLogprobObject(token.Token, token.Logprob, Utf8(token.Token),
            token.TopLogprobs.Select(top => new TopLogprobObject(top.Token, top.Logprob, Utf8(top.Token))).ToList())).ToList(), null);

    /// <summary>The token's UTF-8 bytes, as the API gives them; null for a token that is only part of a character (its text then reads U+FFFD).</summary>
    static int[]? Utf8(string token) => token.Contains('\uFFFD') ? null : System.Text.Encoding.UTF8.GetBytes(token).Select(b => (int)b).ToArray();
}

public sealed record TokenLogprobObject(string Token, float Logprob, int[]? Bytes, IReadOnlyList<TopLogprobObject> TopLogprobs);

public sealed record TopLogprobObject(string Token, float Logprob, int[]? Bytes);

public sealed record AssistantMessage(string Role, string Content, string? Refusal);

/// <summary>
/// One server-sent event of a stream: the first carries the role, then content deltas, then one with the finish reason;
/// with <c>stream_options.include_usage</c>, a last one with no choices and the usage. The last of them carries the
/// provenance record under <c>twinforge</c>.
/// </summary>
public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<ChatCompletionChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageObject? Usage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TwinforgeCompletionExtension? Twinforge = null);

public sealed record ChatCompletionChunkChoice(int Index, ChatCompletionDelta Delta, ChoiceLogprobs? Logprobs, string? FinishReason);

public sealed record ChatCompletionDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);
