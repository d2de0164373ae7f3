using System.Text.Json;
using System.Text.Json.Serialization;
using Twinforge.Engine.Generation;

namespace Twinforge.Service.Completions;

// What chat and text completions share on the wire (snake_case comes from the service's JSON options).

public sealed record StreamOptionsRequest(bool? IncludeUsage);

/// <summary>
/// Twinforge's extras on a completion, under one name SDKs ignore: the signed provenance record of its first choice
/// and, when it has several (<c>n</c> &gt; 1), every choice's record by index.
/// </summary>
public sealed record TwinforgeCompletionExtension(JsonElement Provenance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<JsonElement>? ChoiceProvenance = null)
{
    /// <summary>The extension for a completion's records, in choice order.</summary>
    public static TwinforgeCompletionExtension Of(IReadOnlyList<JsonElement> records) =>
        new(records[0], records.Count > 1 ? records : null);
}

public sealed record UsageObject(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    /// <summary>
    /// A completion's usage: each prompt once (its <paramref name="choicesPerPrompt"/> choices, <c>n</c>, answer the
    /// same prompt and follow one another), the tokens of all the choices.
    /// </summary>
    public static UsageObject From(IReadOnlyList<GenerationResult> choices, int choicesPerPrompt)
    {
        int prompt = 0;
        for (int first = 0; first < choices.Count; first += choicesPerPrompt) prompt += choices[first].PromptTokenCount;
        int completion = choices.Sum(choice => choice.TokenIds.Count);
        return new(prompt, completion, prompt + completion);
    }
}

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

/// <summary>What every chunk of one completion repeats: its id, creation time, the model that answered and its fingerprint.</summary>
public sealed record CompletionHeader(string Id, long Created, string Model, string? Fingerprint);
