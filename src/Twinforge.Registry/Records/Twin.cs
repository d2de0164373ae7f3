namespace Twinforge.Registry.Records;

/// <summary>
/// A named digital twin of one creator; names are unique per creator. <see cref="LatestVersion"/> is the highest
/// version number reserved so far (0 before the first), and <see cref="RowVersion"/> changes with every reservation,
/// so a writer can tell that someone else updated the twin since it looked.
/// </summary>
public sealed record Twin(long Id, long CreatorId, string Name, int LatestVersion, long RowVersion, DateTimeOffset CreatedAt);
