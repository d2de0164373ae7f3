using System.Text.Json;
using System.Text.Json.Serialization;
using Twinforge.Engine.Generation;

namespace Twinforge.Service.Completions;

// The chat completions API's shapes, as the hosted API and its official SDKs send and parse them (snake_case comes
// from the service's JSON options). Fields that can be a string or an array (content, stop) arrive as JSON elements
// and are read by ChatCompletionParameters, which names the parameter at fault.

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
    // Accepted at their defaults only, until Twinforge supports them; anything else is refused naming the parameter.
    bool? Logprobs,
    int? TopLogprobs,
    double? FrequencyPenalty,
    double? PresencePenalty,
    JsonElement? LogitBias,
    JsonElement? ResponseFormat,
    JsonElement? Tools,
    JsonElement? ToolChoice,
    JsonElement? Functions,
    JsonElement? FunctionCall);

/// <summary>One message: <c>content</c> is a string or an array of <c>{"type":"text","text":…}</c> parts.</summary>
public sealed record ChatRequestMessage(string? Role, JsonElement? Content, string? Name);

public sealed record StreamOptionsRequest(bool? IncludeUsage);

public sealed record ChatCompletionObject(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<ChatCompletionChoice> Choices, UsageObject Usage, TwinforgeCompletionExtension Twinforge);

/// <summary>Twinforge's extras on a completion, under one name SDKs ignore: the completion's signed provenance record.</summary>
public sealed record TwinforgeCompletionExtension(JsonElement Provenance);

public sealed record ChatCompletionChoice(int Index, AssistantMessage Message, object? Logprobs, string FinishReason);

public sealed record AssistantMessage(string Role, string Content, string? Refusal);

public sealed record UsageObject(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static UsageObject From(GenerationResult result) =>
        new(result.PromptTokenCount, result.TokenIds.Count, result.PromptTokenCount + result.TokenIds.Count);
}

/// <summary>
/// One server-sent event of a stream: the first carries the role, then content deltas, then one with the finish reason;
/// with <c>stream_options.include_usage</c>, a last one with no choices and the usage. The last of them carries the
/// provenance record under <c>twinforge</c>.
/// </summary>
public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<ChatCompletionChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageObject? Usage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TwinforgeCompletionExtension? Twinforge = null);

public sealed record ChatCompletionChunkChoice(int Index, ChatCompletionDelta Delta, object? Logprobs, string? FinishReason);

public sealed record ChatCompletionDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

/// <summary>The hosted API's finish reasons for the engine's stop reasons.</summary>
public static class FinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";

    /// <summary>An end-of-turn token or a stop sequence is "stop"; the token limit or a full context is "length".</summary>
    public static string Of(StopReason reason) => reason switch
    {
        StopReason.EndOfSequence or StopReason.StopSequence => Stop,
        StopReason.MaxNewTokens or StopReason.ContextFull => Length,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown stop reason"),
    };
}
