namespace Twinforge.Service.Completions;

/// <summary>
/// How the service answers chat completions, bound from <c>Twinforge:Completions</c> (appsettings.json, environment
/// variables such as <c>Twinforge__Completions__MaxConcurrentGenerations</c>, or the command line).
/// </summary>
public sealed class CompletionOptions
{
    public const string Section = "Twinforge:Completions";

    /// <summary>
    /// Generations running at once. Each is CPU-bound and libtorch already spreads one over the machine's cores, so
    /// more than one mostly splits the same cores; requests beyond it wait their turn without holding a thread.
    /// </summary>
    public int MaxConcurrentGenerations { get; set; } = 1;

    /// <summary>Requests waiting for a turn beyond which a new one is answered 503 <c>server_overloaded</c> at once.</summary>
    public int MaxWaitingRequests { get; set; } = 64;

    /// <summary>New tokens when a request gives neither <c>max_completion_tokens</c> nor <c>max_tokens</c>.</summary>
    public int DefaultMaxTokens { get; set; } = 256;

    /// <summary>The most new tokens a request may ask for.</summary>
    public int MaxTokensLimit { get; set; } = 4096;

    /// <summary>Models (a base, or a base with a twin's adapter) kept loaded; the least recently used beyond it is unloaded.</summary>
    public int LoadedModels { get; set; } = 2;

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
        if (ForgetErasedEverySeconds < 1) yield return $"{nameof(ForgetErasedEverySeconds)} must be at least 1";
    }
}
