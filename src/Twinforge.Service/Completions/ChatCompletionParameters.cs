using System.Globalization;
using System.Text;
using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using Twinforge.Service.Errors;

namespace Twinforge.Service.Completions;

/// <summary>A chat completion request, checked: what to generate with which options, and how to answer.</summary>
public sealed record ChatCompletionCall(string Model, IReadOnlyList<ChatMessage> Messages, GenerationOptions Generation, bool Stream, bool IncludeUsage,
    int Choices = 1)
{
    /// <summary>
    /// The options of choice <paramref name="index"/>: with a seed, choice i samples with seed + i, so the choices differ
    /// and the same request gives the same choices again; without one, each draws its own.
    /// </summary>
    public GenerationOptions GenerationOf(int index) => Generation.Seed is long seed ? Generation with { Seed = unchecked(seed + index) } : Generation;
}

/// <summary>
/// Checks a request at the edge, as the hosted API does: each refusal is a 400 naming the parameter at fault
/// (<c>messages[2].content</c>, <c>n</c>). Defaults are the hosted API's: temperature 1 and top_p 1 (sampling; send
/// <c>temperature: 0</c> for greedy decoding), one choice, no stop sequences, no log-probabilities.
/// </summary>
public static class ChatCompletionParameters
{
    /// <summary>The hosted API's limit on stop sequences.</summary>
    public const int MaxStopSequences = 4;

    /// <summary>The most choices (<c>n</c>) one request may ask for: each is a stream of its own in the batch.</summary>
    public const int MaxChoices = 8;

    public static ChatCompletionCall Read(ChatCompletionRequest request, CompletionOptions limits)
    {
        if (string.IsNullOrWhiteSpace(request.Model)) throw Missing("model");
        var messages = Messages(request.Messages);

        var choices = request.N ?? 1;
        if (choices < 1 || choices > MaxChoices)
            throw Invalid($"'n' is {choices}; it must be between 1 and {MaxChoices}.", "n");
        var temperature = request.Temperature ?? 1.0;
        if (!(temperature is >= 0 and <= 2))
            throw Invalid($"'temperature' is {Number(temperature)}; it must be between 0 and 2.", "temperature");
        var topP = request.TopP ?? 1.0;
        if (!(topP is >= 0 and <= 1))
            throw Invalid($"'top_p' is {Number(topP)}; it must be between 0 and 1.", "top_p");
        var maxTokens = MaxTokens(request, limits);
        var stop = StopSequences(request.Stop);
        var topLogprobs = TopLogprobs(request.Logprobs, request.TopLogprobs);
        Unsupported(request);

        var generation = new GenerationOptions
        {
            MaxNewTokens = maxTokens,
            // Nucleus sampling with p → 0 keeps only the most likely token: greedy decoding.
            Temperature = topP == 0 ? 0 : temperature,
            TopP = topP == 0 ? 1 : topP,
            StopSequences = stop,
            Seed = request.Seed,
            TopLogprobs = topLogprobs,
        };
        var stream = request.Stream ?? false;
        return new ChatCompletionCall(request.Model.Trim(), messages, generation, stream, stream && request.StreamOptions?.IncludeUsage == true, choices);
    }

    static List<ChatMessage> Messages(IReadOnlyList<ChatRequestMessage?>? sent)
    {
        if (sent is null) throw Missing("messages");
        if (sent.Count == 0) throw Invalid("'messages' is empty: send at least one message.", "messages");
        var messages = new List<ChatMessage>(sent.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            var message = sent[i] ?? throw Invalid($"messages[{i}] is null: each message is an object with 'role' and 'content'.", $"messages[{i}]");
            var role = message.Role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                null => throw Missing($"messages[{i}].role"),
                "tool" or "function" => throw Invalid($"messages[{i}].role is '{message.Role}': this service has no tools; use system, developer, user or assistant.", $"messages[{i}].role"),
                var other => throw Invalid($"messages[{i}].role is '{other}'; use system, developer, user or assistant.", $"messages[{i}].role"),
            };
            messages.Add(new ChatMessage(role, Content(message.Content, $"messages[{i}].content", role)));
        }
        return messages;
    }

    /// <summary>A string, or the text parts of an array joined; an assistant's turn may have none.</summary>
    static string Content(JsonElement? content, string param, ChatRole role)
    {
        switch (content)
        {
            case null or { ValueKind: JsonValueKind.Null } when role == ChatRole.Assistant:
                return "";
            case null or { ValueKind: JsonValueKind.Null }:
                throw Missing(param);
            case { ValueKind: JsonValueKind.String } text:
                return text.GetString()!;
            case { ValueKind: JsonValueKind.Array } parts:
                var joined = new StringBuilder();
                int j = 0;
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                        throw Invalid($"{param}[{j}] must be an object with a 'type'.", $"{param}[{j}]");
                    if (type.GetString() != "text")
                        throw Invalid($"{param}[{j}] is a '{type.GetString()}' part; this service reads text parts only.", $"{param}[{j}].type");
                    if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                        throw Invalid($"{param}[{j}].text must be a string.", $"{param}[{j}].text");
                    joined.Append(partText.GetString());
                    j++;
                }
                return joined.ToString();
            default:
                throw Invalid($"{param} must be a string or an array of text parts.", param);
        }
    }

    static int MaxTokens(ChatCompletionRequest request, CompletionOptions limits)
    {
        if (request.MaxTokens is int legacy && request.MaxCompletionTokens is int current && legacy != current)
            throw Invalid($"'max_tokens' ({legacy}) and 'max_completion_tokens' ({current}) disagree; send one of them.", "max_tokens");
        var (value, param) = request.MaxCompletionTokens is int given ? (given, "max_completion_tokens")
            : request.MaxTokens is int old ? (old, "max_tokens")
            : (limits.DefaultMaxTokens, "max_completion_tokens");
        if (value < 1 || value > limits.MaxTokensLimit)
            throw Invalid($"'{param}' is {value}; it must be between 1 and {limits.MaxTokensLimit}.", param);
        return value;
    }

    /// <summary><c>logprobs: true</c> asks for them; <c>top_logprobs</c> (0–20) for alternatives too, and needs <c>logprobs: true</c>.</summary>
    static int? TopLogprobs(bool? logprobs, int? top)
    {
        if (top is int count && (count < 0 || count > GenerationOptions.MaxTopLogprobs))
            throw Invalid($"'top_logprobs' is {count}; it must be between 0 and {GenerationOptions.MaxTopLogprobs}.", "top_logprobs");
        if (top is not null && logprobs != true) throw Invalid("'top_logprobs' needs 'logprobs': true.", "top_logprobs");
        return logprobs == true ? top ?? 0 : null;
    }

    static List<string> StopSequences(JsonElement? stop)
    {
        List<string> sequences;
        switch (stop)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return [];
            case { ValueKind: JsonValueKind.String } one:
                sequences = [one.GetString()!];
                break;
            case { ValueKind: JsonValueKind.Array } many when many.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String):
                sequences = many.EnumerateArray().Select(item => item.GetString()!).ToList();
                break;
            default:
                throw Invalid("'stop' must be a string or an array of strings.", "stop");
        }
        if (sequences.Count > MaxStopSequences) throw Invalid($"'stop' has {sequences.Count} sequences; at most {MaxStopSequences}.", "stop");
        if (sequences.Any(string.IsNullOrEmpty)) throw Invalid("'stop' sequences must not be empty.", "stop");
        return sequences;
    }

    /// <summary>Features of the hosted API this service does not have: their defaults pass, anything else is named.</summary>
    static void Unsupported(ChatCompletionRequest request)
    {
        if (request.FrequencyPenalty is { } frequency && frequency != 0) throw NotSupported("frequency_penalty");
        if (request.PresencePenalty is { } presence && presence != 0) throw NotSupported("presence_penalty");
        if (Given(request.LogitBias) && request.LogitBias!.Value.ValueKind == JsonValueKind.Object && request.LogitBias.Value.EnumerateObject().Any())
            throw NotSupported("logit_bias");
        if (Given(request.ResponseFormat)
            && !(request.ResponseFormat!.Value.ValueKind == JsonValueKind.Object && request.ResponseFormat.Value.TryGetProperty("type", out var format)
                 && format.ValueKind == JsonValueKind.String && format.GetString() == "text"))
            throw NotSupported("response_format");
        if (Given(request.Tools) && !(request.Tools!.Value.ValueKind == JsonValueKind.Array && request.Tools.Value.GetArrayLength() == 0)) throw NotSupported("tools");
        if (Given(request.ToolChoice) && !(request.ToolChoice!.Value.ValueKind == JsonValueKind.String && request.ToolChoice.Value.GetString() == "none"))
            throw NotSupported("tool_choice");
        if (Given(request.Functions)) throw NotSupported("functions");
        if (Given(request.FunctionCall)) throw NotSupported("function_call");
    }

    static bool Given(JsonElement? value) => value is { ValueKind: not JsonValueKind.Null };

    static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    static ApiException Missing(string param) => ApiException.BadRequest($"'{param}' is required.", param, "missing_required_parameter");

    static ApiException Invalid(string message, string param) => ApiException.BadRequest(message, param, "invalid_value");

    static ApiException NotSupported(string param) =>
        ApiException.BadRequest($"'{param}' is not supported by this service (Twinforge generates plain text, without tools).",
            param, "unsupported_parameter");
}
