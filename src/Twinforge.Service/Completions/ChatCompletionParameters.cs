using System.Text;
using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using static Twinforge.Service.Completions.CompletionParameters;

namespace Twinforge.Service.Completions;

/// <summary>A chat completion request, checked: the conversation and what to generate with which options.</summary>
public sealed record ChatCompletionCall(IReadOnlyList<ChatMessage> Messages, CompletionSettings Settings);

/// <summary>
/// Checks a chat completion request at the edge, as the hosted API does: each refusal is a 400 naming the parameter
/// at fault (<c>messages[2].content</c>, <c>n</c>). The parameters text completions share are read by
/// <see cref="CompletionParameters"/>; no log-probabilities unless <c>logprobs: true</c>.
/// </summary>
public static class ChatCompletionParameters
{
    /// <summary>
    /// The hosted API's chat parameters that change nothing about what a twin generates, accepted and ignored: whether
    /// the provider stores the completion, tags for it, its processing tier, cache and abuse-monitoring keys.
    /// </summary>
    static readonly IReadOnlySet<string> Ignored = new HashSet<string> { "store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier" };

    public static ChatCompletionCall Read(ChatCompletionRequest request, CompletionOptions limits)
    {
        CompletionParameters.RequireModel(request);
        RequireKnownParameters(request, "chat completions", Ignored);
        var messages = Messages(request.Messages);
        var maxTokens = MaxTokens(request, limits);
        var topLogprobs = TopLogprobs(request.Logprobs, request.TopLogprobs);
        var settings = CompletionParameters.Read(request, maxTokens, topLogprobs);
        Unsupported(request);
        return new ChatCompletionCall(messages, settings);
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
                return TextOf(text, param);
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
                    joined.Append(TextOf(partText, $"{param}[{j}].text"));
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
        return CompletionParameters.MaxTokens(value, param, limits);
    }

    /// <summary><c>logprobs: true</c> asks for them; <c>top_logprobs</c> (0–20) for alternatives too, and needs <c>logprobs: true</c>.</summary>
    static int? TopLogprobs(bool? logprobs, int? top)
    {
        if (top is int count && (count < 0 || count > GenerationOptions.MaxTopLogprobs))
            throw Invalid($"'top_logprobs' is {count}; it must be between 0 and {GenerationOptions.MaxTopLogprobs}.", "top_logprobs");
        if (top is not null && logprobs != true) throw Invalid("'top_logprobs' needs 'logprobs': true.", "top_logprobs");
        return logprobs == true ? top ?? 0 : null;
    }

    /// <summary>
    /// Chat features of the hosted API this service does not have (the penalties and logit_bias are
    /// <see cref="CompletionParameters"/>' to refuse): their defaults pass, anything else is named.
    /// </summary>
    static void Unsupported(ChatCompletionRequest request)
    {
        if (Given(request.ResponseFormat)
            && !(request.ResponseFormat!.Value.ValueKind == JsonValueKind.Object && request.ResponseFormat.Value.TryGetProperty("type", out var format)
                 && format.ValueKind == JsonValueKind.String && format.GetString() == "text"))
            throw NotSupported("response_format", "Twinforge generates plain text: only {\"type\": \"text\"}");
        if (Given(request.Tools) && !(request.Tools!.Value.ValueKind == JsonValueKind.Array && request.Tools.Value.GetArrayLength() == 0)) throw NotSupported("tools");
        if (Given(request.ToolChoice) && !(request.ToolChoice!.Value.ValueKind == JsonValueKind.String && request.ToolChoice.Value.GetString() == "none"))
            throw NotSupported("tool_choice");
        if (Given(request.Functions)) throw NotSupported("functions");
        if (Given(request.FunctionCall)) throw NotSupported("function_call");
    }
}
