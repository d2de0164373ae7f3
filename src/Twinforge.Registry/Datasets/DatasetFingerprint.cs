namespace Twinforge.Registry.Datasets;

/// <summary>
/// A dataset's content address and the facts about it that need no parsing: its source file names (names only, in
/// order), its normalised size in bytes and its number of line feeds.
/// </summary>
public sealed record DatasetFingerprint(string ContentHash, IReadOnlyList<string> SourceFiles, long NormalisedBytes, long Lines);
