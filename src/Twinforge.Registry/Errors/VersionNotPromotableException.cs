namespace Twinforge.Registry.Errors;

/// <summary>An alias may only point at a succeeded version; promoting a pending, training or failed one is refused.</summary>
public sealed class VersionNotPromotableException(string twinName, int number, Records.VersionStatus status, string alias)
    : RegistryException($"version {number} of twin '{twinName}' {Records.VersionStatusNames.Stated(status)}; only a succeeded version can become '{alias}'");
