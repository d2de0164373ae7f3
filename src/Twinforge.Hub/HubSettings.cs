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

    /// <summary>
    /// How long a revision's listing may take, answer and body (<c>HF_HUB_ETAG_TIMEOUT</c>, seconds, default 10 as in
    /// huggingface_hub): a Hub that takes the connection and never answers is reported, not waited on for ever.
    /// </summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a file's download may wait for the answer, and then for each next bytes (<c>HF_HUB_DOWNLOAD_TIMEOUT</c>,
    /// seconds, default 10): a stalled transfer counts as a cut connection, and the next attempt resumes it.
    /// </summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What is wrong with a timeout variable, as <see cref="EndpointProblem"/> for the endpoint; null when both are usable.</summary>
    public string? TimeoutProblem { get; init; }

    public static HubSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <param name="variable">An environment variable's value, or null when unset.</param>
    public static HubSettings FromEnvironment(Func<string, string?> variable)
    {
        string? Given(string name) => variable(name) is { Length: > 0 } value ? value : null;
        var home = Given("HF_HOME") ?? Path.Combine(
            Given("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");
        var endpoint = Given("HF_ENDPOINT") ?? DefaultEndpoint;
        bool usable = Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var endpointUri) && endpointUri.Scheme is "http" or "https";
        var (metadataTimeout, metadataProblem) = Seconds(Given("HF_HUB_ETAG_TIMEOUT"), "HF_HUB_ETAG_TIMEOUT");
        var (downloadTimeout, downloadProblem) = Seconds(Given("HF_HUB_DOWNLOAD_TIMEOUT"), "HF_HUB_DOWNLOAD_TIMEOUT");
        return new HubSettings
        {
            MetadataTimeout = metadataTimeout,
            DownloadTimeout = downloadTimeout,
            TimeoutProblem = metadataProblem ?? downloadProblem,
            Endpoint = usable ? endpointUri! : new Uri(DefaultEndpoint),
            EndpointProblem = usable ? null : $"HF_ENDPOINT: '{endpoint}' is not an http(s) address",
            CacheDirectory = Path.GetFullPath(Given("HF_HUB_CACHE") ?? Path.Combine(home, "hub")),
            Token = Given("HF_TOKEN") ?? StoredToken(Given("HF_TOKEN_PATH") ?? Path.Combine(home, "token")),
            Offline = IsTrue(Given("HF_HUB_OFFLINE")),
        };
    }

    /// <summary>A timeout variable's seconds (default 10, huggingface_hub's), or the problem with its value.</summary>
    static (TimeSpan Timeout, string? Problem) Seconds(string? value, string name)
    {
        var fallback = TimeSpan.FromSeconds(10);
        if (value is null) return (fallback, null);
        return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
               && seconds > 0 && seconds <= TimeSpan.MaxValue.TotalSeconds / 2
            ? (TimeSpan.FromSeconds(seconds), null)
            : (fallback, $"{name}: '{value}' is not a number of seconds above 0");
    }

    // huggingface_hub's own reading of a boolean variable.
    static bool IsTrue(string? value) => value?.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    static string? StoredToken(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
}
