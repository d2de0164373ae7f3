using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// What an English corpus build wrote and from what: the files with their sizes and SHA-256, and per source its
/// packages and versions, licence, and documents and bytes on each side. Written last, so its presence means the
/// files are complete.
/// </summary>
public sealed record EnglishCorpusManifest(
    string Version,
    string Format,
    CorpusFile Train,
    CorpusFile HeldOut,
    CorpusFile LegacyHeldOut,
    IReadOnlyList<CorpusSourceSummary> Sources)
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="InvalidDataException">The file is not a manifest, naming it.</exception>
    public static EnglishCorpusManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EnglishCorpusManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: is empty, not a corpus manifest");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path}: is not a corpus manifest: {exception.Message}", exception);
        }
    }
}

/// <summary>One file of the corpus: its name (in the manifest's directory), documents, bytes and SHA-256 (hex).</summary>
public sealed record CorpusFile(string File, int Documents, long Bytes, string Sha256);

/// <summary>A Debian package and the version that was fetched.</summary>
public sealed record PackageVersion(string Name, string? Version);

/// <summary>What one source gave the corpus.</summary>
/// <param name="DocumentsRead">Documents its reader produced.</param>
/// <param name="NotProse">Dropped as too short or mostly not letters.</param>
/// <param name="Duplicates">Dropped as exact or near repeats of a document kept before.</param>
/// <param name="LegacyHeldOut">Held out because today's base held them out.</param>
public sealed record CorpusSourceSummary(
    string Name, string Title, string Licence, IReadOnlyList<PackageVersion> Packages,
    int DocumentsRead, int NotProse, int Duplicates, int LegacyHeldOut,
    int TrainDocuments, long TrainBytes, int HeldOutDocuments, long HeldOutBytes);
