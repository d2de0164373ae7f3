namespace Twinforge.Registry.Records;

/// <summary>
/// A copy of a version's weights written outside the artifact store (what <c>twinforge twin export</c> writes for
/// serving): where, which version, when and by whom. The registry cannot delete such a copy; a deletion of the version
/// (a consent withdrawal, a twin deletion) lists it in its audit record as a copy the operator must delete.
/// </summary>
public sealed record VersionExport(long Id, long TwinId, long VersionId, int VersionNumber, string Path, DateTimeOffset ExportedAt, string ExportedBy);
