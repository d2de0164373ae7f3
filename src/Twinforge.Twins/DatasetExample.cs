namespace Twinforge.Twins;

/// <summary>
/// One example of a dataset (a non-blank line) with where the creator wrote it: the source file's name as registered
/// and its 1-based line, so that a problem found in training can point at what the user can open and fix.
/// </summary>
public sealed record DatasetExample(string Text, string SourceFile, long Line);
