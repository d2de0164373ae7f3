namespace Twinforge.Registry.Errors;

/// <summary>
/// The operation needs a live version but the version was deleted (its creator withdrew consent): it cannot be
/// served, promoted, changed or updated from.
/// </summary>
public sealed class VersionDeletedException(string twinName, int number, long versionId, string operation)
    : RegistryException($"version {number} of twin '{twinName}' (id {versionId}) was deleted; cannot {operation}")
{
    public long VersionId { get; } = versionId;
}
