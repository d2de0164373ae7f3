namespace Twinforge.Registry.Records;

/// <summary>What the caller supplies to register a dataset; see <see cref="Dataset"/> for the fields.</summary>
/// <example><code>registry.RegisterDataset(new NewDataset(alice.Id, fingerprint.ContentHash, ConsentScopes.Text, fingerprint.SourceFiles, "{\"examples\":120}"));</code></example>
public sealed record NewDataset(
    long CreatorId,
    string ContentHash,
    string ConsentScope,
    IReadOnlyList<string> SourceFiles,
    string StatisticsJson)
{
    public string? StoredArtifactHash { get; init; }
}
