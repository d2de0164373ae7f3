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

    /// <summary>
    /// Refuse the dataset unless its creator holds valid consent for <see cref="ConsentScope"/>, checked in the
    /// registering transaction with the creator locked, so a withdrawal running at the same time either sees the new
    /// dataset (and deletes it) or makes this registration fail. Not public: nothing outside the registry may store a
    /// creator's data without consent; the registry's tests turn it off to stand for a record imported from elsewhere
    /// (whose training is still refused without consent).
    /// </summary>
    internal bool RequireValidConsent { get; init; } = true;
}
