namespace Twinforge.Service.Hosting;

/// <summary>
/// The service's settings, bound from the configuration section <c>Twinforge</c> (appsettings.json, then
/// environment variables such as <c>Twinforge__MaxUploadBytes</c> or the aliases in <see cref="EnvironmentAliases"/>,
/// then the command line: ASP.NET Core's usual layering).
/// </summary>
public sealed class ServiceOptions
{
    public const string Section = "Twinforge";

    /// <summary>Holds the SQLite registry (unless <see cref="Registry"/> names another), the artifact store and uploads in flight.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>A SQLite file or a PostgreSQL connection string ("Host=…"); default: registry.db in the data directory.</summary>
    public string? Registry { get; set; }

    /// <summary>The artifact store directory; default: artifacts in the data directory (shared by every machine with PostgreSQL).</summary>
    public string? Artifacts { get; set; }

    /// <summary>
    /// The admin key, from the environment (TWINFORGE_ADMIN_KEY) rather than a file. When unset, the first start
    /// makes one, records its hash and prints it once.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>The largest file an upload may carry; a larger one is refused with 413.</summary>
    public long MaxUploadBytes { get; set; } = 64L << 20;

    /// <summary>The largest JSON request body.</summary>
    public long MaxJsonBodyBytes { get; set; } = 1L << 20;

    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Fine-tuning jobs: the queue, the workers and where versions train (section <c>Twinforge:Jobs</c>).</summary>
    public Jobs.JobsOptions Jobs { get; set; } = new();

    /// <summary>Provenance records of completions: where the signing key is (section <c>Twinforge:Provenance</c>).</summary>
    public Provenance.ProvenanceOptions Provenance { get; set; } = new();

    /// <summary>Watermarks of completions: where the master secret is (section <c>Twinforge:Watermark</c>).</summary>
    public Watermarking.WatermarkOptions Watermark { get; set; } = new();

    /// <summary>
    /// Base models registered at start-up, by name: <c>Twinforge:BaseModels:NAME=DIRECTORY</c> (<c>--base NAME=DIR</c>), a
    /// Hugging Face model directory of the operator's, or <c>hf:ORG/NAME[@REVISION]</c>, pulled from the Hub at start,
    /// which a job's <c>model</c> then names. Every machine running jobs must see it at the same path.
    /// </summary>
    public Dictionary<string, string> BaseModels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The command line's own default root, so that <c>twinforge creator show</c> reads the service's registry.</summary>
    public static string DefaultDataDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "twinforge");
}

/// <summary>Requests per key per fixed window; beyond it, 429 until the window ends.</summary>
public sealed class RateLimitOptions
{
    public int PermitLimit { get; set; } = 600;
    public int WindowSeconds { get; set; } = 60;
}
