using System.Globalization;
using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Service.Errors;

namespace Twinforge.Service.Completions;

/// <summary>The parameters chat and text completion requests share, as each request record names them.</summary>
public interface ICompletionRequest
{
    string? Model { get; }
    double? Temperature { get; }
    double? TopP { get; }
    JsonElement? Stop { get; }
    long? Seed { get; }
    bool? Stream { get; }
    StreamOptionsRequest? StreamOptions { get; }
    int? N { get; }
    string? User { get; }
    double? FrequencyPenalty { get; }
    double? PresencePenalty { get; }
    JsonElement? LogitBias { get; }

    /// <summary>Whatever the request sent that is none of its parameters, by name (null when there was nothing else).</summary>
    IReadOnlyDictionary<string, JsonElement>? Unrecognised { get; }
}

/// <summary>
/// What a completion request asks for beyond its prompt, checked: the model's name, the generation options, how many
/// choices per prompt (<c>n</c>), whether to stream (and end with the usage), and the caller's end user.
/// </summary>
public sealed record CompletionSettings(string Model, GenerationOptions Generation, int Choices, bool Stream, bool IncludeUsage, string? User)
{
    /// <summary>
    /// The options of <paramref name="prompt"/>'s choice <paramref name="index"/>: with a seed, choice i samples with
    /// the prompt's seed + i, the prompt's seed drawn from the request's and the prompt's content. So the choices differ,
    /// the same prompt and seed give the same choices again (alone or among other prompts), and different prompts do
    /// not share their random draws: with the request's seed itself, every prompt took the same unlikely token at the
    /// same step, and two prompts could begin with the same odd words. Without a seed, each choice draws its own.
    /// </summary>
    public GenerationOptions GenerationOf(CompletionPrompt prompt, int index) =>
        Generation.Seed is long seed ? Generation with { Seed = unchecked(PromptSeed(seed, prompt) + index) } : Generation;

    static long PromptSeed(long seed, CompletionPrompt prompt)
    {
        var content = System.Text.Encoding.UTF8.GetBytes(prompt.ProvenanceJson());
        var input = new byte[sizeof(long) + content.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(input, seed);
        content.CopyTo(input, sizeof(long));
        // Kept to 53 bits: a seed stays a whole number that JSON readers (the provenance record's) hold exactly.
        return (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(System.Security.Cryptography.SHA256.HashData(input)) >> 11);
    }
}

/// <summary>
/// The checks chat and text completions share, as the hosted API makes them: each refusal is a 400 in the API's error
/// shape naming the parameter at fault. Defaults are the hosted API's: temperature 1 and top_p 1 (sampling; send
/// <c>temperature: 0</c> for greedy decoding), one choice, no stop sequences.
/// </summary>
public static class CompletionParameters
{
    /// <summary>The hosted API's limit on stop sequences.</summary>
    public const int MaxStopSequences = 4;

    /// <summary>The most choices (<c>n</c>) one prompt may ask for: each is a stream of its own in the batch.</summary>
    public const int MaxChoices = 8;

    /// <summary>The longest <c>user</c> (an end user's id) accepted.</summary>
    public const int MaxUserLength = 256;

    /// <summary>
    /// Reads the shared parameters of <paramref name="request"/>, with the token limit and log-probabilities the
    /// endpoint read (<c>null</c>: none asked for).
    /// </summary>
    public static CompletionSettings Read(ICompletionRequest request, int maxTokens, int? topLogprobs)
    {
        var choices = request.N ?? 1;
        var stream = request.Stream ?? false;
        if (request.StreamOptions is not null && !stream)
            throw Invalid("'stream_options' is only allowed with 'stream': true.", "stream_options");
        if (choices < 1 || choices > MaxChoices)
            throw Invalid($"'n' is {choices}; it must be between 1 and {MaxChoices}.", "n");
        var temperature = request.Temperature ?? 1.0;
        if (!(temperature is >= 0 and <= 2))
            throw Invalid($"'temperature' is {Number(temperature)}; it must be between 0 and 2.", "temperature");
        var topP = request.TopP ?? 1.0;
        if (!(topP is >= 0 and <= 1))
            throw Invalid($"'top_p' is {Number(topP)}; it must be between 0 and 1.", "top_p");
        var stop = StopSequences(request.Stop);
        if (request.User is { Length: > MaxUserLength } user)
            throw Invalid($"'user' has {user.Length} characters; at most {MaxUserLength}.", "user");
        const string sampling = "Twinforge samples with temperature, top_p and the twin's own settings, without penalties or biases";
        if (request.FrequencyPenalty is { } frequency && frequency != 0) throw NotSupported("frequency_penalty", sampling);
        if (request.PresencePenalty is { } presence && presence != 0) throw NotSupported("presence_penalty", sampling);
        if (Given(request.LogitBias) && request.LogitBias!.Value.ValueKind == JsonValueKind.Object && request.LogitBias.Value.EnumerateObject().Any())
            throw NotSupported("logit_bias", sampling);

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
        return new CompletionSettings(request.Model!.Trim(), generation, choices, stream, stream && request.StreamOptions?.IncludeUsage == true, request.User);
    }

    /// <summary>The model's name, which every request must give (checked first, as the hosted API does).</summary>
    public static void RequireModel(ICompletionRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Model)) throw Missing("model");
    }

    /// <summary>
    /// Refuses a parameter the endpoint does not know, as the hosted API does: a misspelt or misplaced one
    /// (<c>max_completion_tokens</c> on text completions) would otherwise be ignored without a word. The names in
    /// <paramref name="ignored"/> are the hosted API's own that change nothing here, accepted so that its clients work.
    /// </summary>
    public static void RequireKnownParameters(ICompletionRequest request, string endpoint, IReadOnlySet<string> ignored)
    {
        var unknown = request.Unrecognised?.Keys.Where(name => !ignored.Contains(name)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (unknown is not null)
            throw ApiException.BadRequest($"'{unknown}' is not a parameter of {endpoint}.", unknown, "unknown_parameter");
    }

    /// <summary>A token limit between 1 and the service's <see cref="CompletionOptions.MaxTokensLimit"/>, named <paramref name="param"/> when refused.</summary>
    public static int MaxTokens(int value, string param, CompletionOptions limits) =>
        value >= 1 && value <= limits.MaxTokensLimit ? value : throw Invalid($"'{param}' is {value}; it must be between 1 and {limits.MaxTokensLimit}.", param);

    static List<string> StopSequences(JsonElement? stop)
    {
        List<string> sequences;
        switch (stop)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return [];
            case { ValueKind: JsonValueKind.String } one:
                sequences = [TextOf(one, "stop")];
                break;
            case { ValueKind: JsonValueKind.Array } many when many.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String):
                sequences = many.EnumerateArray().Select((item, i) => TextOf(item, $"stop[{i}]")).ToList();
                break;
            default:
                throw Invalid("'stop' must be a string or an array of strings.", "stop");
        }
        if (sequences.Count > MaxStopSequences) throw Invalid($"'stop' has {sequences.Count} sequences; at most {MaxStopSequences}.", "stop");
        if (sequences.Any(string.IsNullOrEmpty)) throw Invalid("'stop' sequences must not be empty.", "stop");
        return sequences;
    }

    /// <summary>Whether a parameter that may be JSON null was given a value.</summary>
    public static bool Given(JsonElement? value) => value is { ValueKind: not JsonValueKind.Null };

    public static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static ApiException Missing(string param) => ApiException.BadRequest($"'{param}' is required.", param, "missing_required_parameter");

    public static ApiException Invalid(string message, string param) => ApiException.BadRequest(message, param, "invalid_value");

    /// <summary>A JSON string's text, or a 400 naming <paramref name="param"/> when it does not decode (a lone surrogate escape).</summary>
    public static string TextOf(JsonElement text, string param)
    {
        try
        {
            return text.GetString()!;
        }
        catch (InvalidOperationException error) when (Engine.JsonProblem.IsUndecodableText(error))
        {
            throw Invalid($"'{param}' {Engine.JsonProblem.UndecodableText}.", param);
        }
    }

    public static ApiException NotSupported(string param, string why = "Twinforge generates plain text, without tools") =>
        ApiException.BadRequest($"'{param}' is not supported by this service ({why}).", param, "unsupported_parameter");
}
