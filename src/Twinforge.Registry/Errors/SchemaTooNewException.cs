namespace Twinforge.Registry.Errors;

/// <summary>
/// The registry was written by a newer Twinforge whose schema this code does not know; opening it is refused rather
/// than risk misreading or damaging it.
/// </summary>
public sealed class SchemaTooNewException(string location, int databaseVersion, int newestKnownVersion)
    : RegistryException(
        $"the registry at {location} has schema version {databaseVersion}, but this Twinforge knows schema versions up to {newestKnownVersion}; upgrade Twinforge to open it")
{
    public int DatabaseVersion { get; } = databaseVersion;
    public int NewestKnownVersion { get; } = newestKnownVersion;
}
