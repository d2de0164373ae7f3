namespace Twinforge.Registry.Records;

/// <summary>What the caller supplies to record an API key; see <see cref="ApiKey"/>. <see cref="KeyHash"/> is the SHA-256 of the key, lowercase hex.</summary>
public sealed record NewApiKey(string PublicId, long? OrganisationId, string Name, string KeyHash, string Hint)
{
    /// <summary>A creator of the key's organisation that uploads through this key belong to unless they name another.</summary>
    public long? DefaultCreatorId { get; init; }
}
