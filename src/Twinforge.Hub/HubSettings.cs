namespace Twinforge.Hub;

/// <summary>
/// Where the Hub is, where its files are cached, the token and whether to stay offline: read once by a host at its
/// start (<see cref="FromEnvironment(Func{string, string?})"/>) and passed to what pulls, never looked up again.
/// The variables are those of the Python tools (huggingface_hub's <c>constants.py</c>), so both share one cache.
/// </summary>
public sealed record HubSettings
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The Hub's address (<c>HF_ENDPOINT</c>).</summary>
    public Uri Endpoint { get; init; } = new(DefaultEndpoint);

    /// <summary>
    /// The cache root holding <c>models--ORG--NAME</c> folders: <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else
    /// <c>$XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c>.
    /// </summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer</c> (<c>HF_TOKEN</c>, else the file <c>huggingface-cli login</c> wrote).</summary>
    public string? Token { get; init; }

    /// <summary>Use the cache only, never the network (<c>HF_HUB_OFFLINE=1</c>).</summary>
    public bool Offline { get; init; }

    /// <summary>
    /// What is wrong with <c>HF_ENDPOINT</c> when it is not an http(s) address; null when it is usable. Reported by
    /// <see cref="HubClient"/> when the Hub is used, so a host whose commands never pull still starts with it set.
    /// </summary>
    public string? EndpointProblem { get; init; }

    /// <summary>How many times one file's download is tried, each resuming where the last stopped.</summary>
    public int DownloadAttempts { get; init; } = 5;

    public static HubSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <param name="variable">An environment variable's value, or null when unset.</param>
    public static HubSettings FromEnvironment(Func<string, string?> variable)
    {
        string? Given(string name) => variable(name) is { Length: > 0 } value ? value : null;
        var home = Given("HF_HOME") ?? Path.Combine(
            Given("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");
        var endpoint = Given("HF_ENDPOINT") ?? DefaultEndpoint;
        bool usable = Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var endpointUri) && endpointUri.Scheme is "http" or "https";
        return new HubSettings
        {
            Endpoint = usable ? endpointUri! : new Uri(DefaultEndpoint),
            EndpointProblem = usable ? null : $"HF_ENDPOINT: '{endpoint}' is not an http(s) address",
            CacheDirectory = Path.GetFullPath(Given("HF_HUB_CACHE") ?? Path.Combine(home, "hub")),
            Token = Given("HF_TOKEN") ?? StoredToken(Given("HF_TOKEN_PATH") ?? Path.Combine(home, "token")),
            Offline = IsTrue(Given("HF_HUB_OFFLINE")),
        };
    }

    // huggingface_hub's own reading of a boolean variable.
    static bool IsTrue(string? value) => value?.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    static string? StoredToken(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
}
