using System.Text.Json;
using static Twinforge.Service.Completions.CompletionParameters;

namespace Twinforge.Service.Completions;

/// <summary>A text completion request, checked: its prompts (each answered <c>n</c> times) and what to generate with which options.</summary>
public sealed record TextCompletionCall(IReadOnlyList<string> Prompts, CompletionSettings Settings);

/// <summary>
/// Checks a text completion request at the edge, as the hosted API does, each refusal a 400 naming the parameter at
/// fault; the parameters chat completions share are read by <see cref="CompletionParameters"/>. The legacy API's
/// own defaults: <c>max_tokens</c> 16, <c>logprobs</c> none. <c>prompt</c> is text — a string or an array of strings —
/// never token ids (each model here has its own tokenizer). <c>echo</c>, <c>suffix</c> and a <c>best_of</c> other
/// than n are refused.
/// </summary>
public static class TextCompletionParameters
{
    /// <summary>The legacy API's default token limit.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>The legacy API's most alternatives per token (<c>logprobs</c>).</summary>
    public const int MaxLogprobs = 5;

    /// <summary>The most choices one request may ask for in all, prompts × <c>n</c>: each is a stream of its own in the batch.</summary>
    public const int MaxChoicesInAll = 16;

    /// <summary>The hosted API's parameters of text completions that change nothing here: none.</summary>
    static readonly IReadOnlySet<string> Ignored = new HashSet<string>();

    public static TextCompletionCall Read(TextCompletionRequest request, CompletionOptions limits)
    {
        RequireModel(request);
        RequireKnownParameters(request, "text completions (/v1/completions)", Ignored);
        var prompts = Prompts(request.Prompt);
        var maxTokens = MaxTokens(request.MaxTokens ?? Math.Min(DefaultMaxTokens, limits.MaxTokensLimit), "max_tokens", limits);
        if (request.Logprobs is int logprobs && (logprobs < 0 || logprobs > MaxLogprobs))
            throw Invalid($"'logprobs' is {logprobs}; it must be between 0 and {MaxLogprobs}.", "logprobs");
        var settings = CompletionParameters.Read(request, maxTokens, request.Logprobs);
        if (prompts.Count * settings.Choices > MaxChoicesInAll)
            throw Invalid($"{prompts.Count} prompts × n = {settings.Choices} ask for {prompts.Count * settings.Choices} choices; at most {MaxChoicesInAll} in all.", "n");
        if (request.BestOf is int bestOf && bestOf != 1 && bestOf != settings.Choices)
            throw Invalid($"'best_of' is {bestOf}; this service generates each choice it returns, so it must be 1 or equal to 'n' ({settings.Choices}).", "best_of");
        if (request.Echo == true) throw NotSupported("echo", "the answer is the continuation only");
        if (request.Suffix is not null) throw NotSupported("suffix", "it continues text, it does not insert into it");
        return new TextCompletionCall(prompts, settings);
    }

    /// <summary>A string, or an array of strings; each must hold text. Token ids (an array of numbers, or of arrays) are refused.</summary>
    static List<string> Prompts(JsonElement? prompt)
    {
        switch (prompt)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                throw Missing("prompt");
            case { ValueKind: JsonValueKind.String } one:
                return [Text(one, "prompt")];
            case { ValueKind: JsonValueKind.Array } many:
                if (many.GetArrayLength() == 0) throw Invalid("'prompt' is an empty array: send a string or an array of strings.", "prompt");
                if (many.EnumerateArray().All(item => item.ValueKind == JsonValueKind.Number)) throw TokenIds("prompt");
                var prompts = new List<string>();
                int i = 0;
                foreach (var item in many.EnumerateArray())
                {
                    prompts.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => Text(item, $"prompt[{i}]"),
                        JsonValueKind.Array => throw TokenIds($"prompt[{i}]"),
                        _ => throw Invalid($"prompt[{i}] must be a string.", $"prompt[{i}]"),
                    });
                    i++;
                }
                return prompts;
            default:
                throw Invalid("'prompt' must be a string or an array of strings.", "prompt");
        }
    }

    static string Text(JsonElement text, string param) =>
        TextOf(text, param) is { Length: > 0 } value ? value : throw Invalid($"'{param}' is empty: give the text to continue.", param);

    static Errors.ApiException TokenIds(string param) =>
        Invalid($"'{param}' is token ids: this service takes prompts as text (each model reads it with its own tokenizer); send a string.", param);
}
