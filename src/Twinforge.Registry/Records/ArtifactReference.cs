namespace Twinforge.Registry.Records;

/// <summary>
/// A file or directory a version produced, by kind ("adapter", "merged-model", "report", …) and its content hash in
/// the artifact store.
/// </summary>
public sealed record ArtifactReference(string Kind, string ContentHash)
{
    public const string Adapter = "adapter";
    public const string MergedModel = "merged-model";
    public const string Report = "report";
}
