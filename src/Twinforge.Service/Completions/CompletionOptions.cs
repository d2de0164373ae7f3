using Twinforge.Engine.Serving;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// How the service answers chat completions, bound from <c>Twinforge:Completions</c> (appsettings.json, environment
/// variables such as <c>Twinforge__Completions__MaxConcurrentGenerations</c>, or the command line).
/// </summary>
public sealed class CompletionOptions
{
    public const string Section = "Twinforge:Completions";

    /// <summary>
    /// Generations running at once, over all models; those of one base (any of its twins) are decoded together in one
    /// continuous batch of at most this many streams. Requests beyond it wait their turn without holding a thread.
    /// </summary>
    public int MaxConcurrentGenerations { get; set; } = 16;

    /// <summary>Prompt tokens a joining request feeds its batch per decoding step: a long prompt is read in chunks so the running streams keep going.</summary>
    public int PrefillChunkTokens { get; set; } = 64;

    /// <summary>Megabytes of twins' adapters kept loaded per base; the least recently used ones no request is using are dropped beyond it.</summary>
    public int AdapterCacheMegabytes { get; set; } = 1024;

    /// <summary>Requests waiting for a turn beyond which a new one is answered 503 <c>server_overloaded</c> at once.</summary>
    public int MaxWaitingRequests { get; set; } = 64;

    /// <summary>New tokens when a request gives neither <c>max_completion_tokens</c> nor <c>max_tokens</c>.</summary>
    public int DefaultMaxTokens { get; set; } = 256;

    /// <summary>The most new tokens a request may ask for.</summary>
    public int MaxTokensLimit { get; set; } = 4096;

    /// <summary>
    /// Models kept loaded: bases (each serving all its twins' adapters) and fully fine-tuned versions; the least
    /// recently used one nobody is using is unloaded beyond it.
    /// </summary>
    public int LoadedModels { get; set; } = 2;

    /// <summary>
    /// The dtype bases are held in: <c>automatic</c> (bf16 where this CPU's bf16 products are native and faster, else
    /// fp32; decided once at start), <c>fp32</c> or <c>bf16</c>.
    /// </summary>
    public string WeightsPrecision { get; set; } = "automatic";

    internal ServingOptions Serving() => new()
    {
        WeightsDType = WeightsPrecision switch
        {
            "fp32" => TorchSharp.torch.ScalarType.Float32,
            "bf16" => TorchSharp.torch.ScalarType.BFloat16,
            _ => null,
        },
        LoadedModels = LoadedModels,
        AdapterCacheBytes = (long)AdapterCacheMegabytes << 20,
        Batching = new BatcherOptions
        {
            MaxStreams = MaxConcurrentGenerations,
            PrefillChunkTokens = PrefillChunkTokens,
            StepTokenBudget = 2 * PrefillChunkTokens, // room for the decoding streams and a chunk or two of prompts
        },
    };

    /// <summary>
    /// How often what was unpacked for serving is checked against the registry and deleted when its version was erased
    /// elsewhere (the command line, another machine); an erasure through this service's API is applied at once.
    /// </summary>
    public int ForgetErasedEverySeconds { get; set; } = 60;

    internal IEnumerable<string> Problems()
    {
        if (MaxConcurrentGenerations < 1) yield return $"{nameof(MaxConcurrentGenerations)} must be at least 1";
        if (MaxWaitingRequests < 0) yield return $"{nameof(MaxWaitingRequests)} must be at least 0";
        if (MaxTokensLimit < 1) yield return $"{nameof(MaxTokensLimit)} must be at least 1";
        if (DefaultMaxTokens < 1 || DefaultMaxTokens > MaxTokensLimit) yield return $"{nameof(DefaultMaxTokens)} must be between 1 and {nameof(MaxTokensLimit)}";
        if (LoadedModels < 1) yield return $"{nameof(LoadedModels)} must be at least 1";
        if (PrefillChunkTokens < 1) yield return $"{nameof(PrefillChunkTokens)} must be at least 1";
        if (AdapterCacheMegabytes < 0) yield return $"{nameof(AdapterCacheMegabytes)} must be at least 0";
        if (WeightsPrecision is not ("automatic" or "fp32" or "bf16")) yield return $"{nameof(WeightsPrecision)} must be automatic, fp32 or bf16";
        if (ForgetErasedEverySeconds < 1) yield return $"{nameof(ForgetErasedEverySeconds)} must be at least 1";
    }
}
