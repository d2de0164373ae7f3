namespace Twinforge.Registry.Records;

/// <summary>
/// An immutable body of a creator's data, identified by the SHA-256 of its normalised content
/// (<see cref="Datasets.DatasetContentHash"/>, lowercase hex). Registering the same content again returns this record.
/// <see cref="ConsentScope"/> is the scope of consent its use needs (e.g. "text"); <see cref="SourceFiles"/> are the
/// file names it was read from, in order (names only, never content); <see cref="StatisticsJson"/> is a JSON object
/// computed by the caller (examples, tokens, …); <see cref="StoredArtifactHash"/> is the artifact-store hash of a
/// stored copy of the files, if one was kept so versions can be rebuilt — it is deleted with the dataset when consent
/// is withdrawn.
/// </summary>
public sealed record Dataset(
    long Id,
    long CreatorId,
    string ContentHash,
    string ConsentScope,
    IReadOnlyList<string> SourceFiles,
    string StatisticsJson,
    string? StoredArtifactHash,
    DateTimeOffset CreatedAt);
