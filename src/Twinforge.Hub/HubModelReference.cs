using System.Text.RegularExpressions;

namespace Twinforge.Hub;

/// <summary>
/// A model on the Hub: <c>ORG/NAME</c> (or a legacy un-namespaced <c>NAME</c> such as <c>gpt2</c>) at a revision, a
/// branch, tag or commit hash (<c>main</c> unless given). Written <c>hf:ORG/NAME@REVISION</c> where a base model may
/// also be a directory.
/// </summary>
/// <example><code>var qwen = HubModelReference.Parse("hf:Qwen/Qwen2.5-0.5B-Instruct@main");</code></example>
public sealed partial record HubModelReference(string RepoId, string Revision)
{
    /// <summary>What marks a base model as a Hub model rather than a directory.</summary>
    public const string Prefix = "hf:";

    public const string DefaultRevision = "main";

    /// <summary>True when <paramref name="text"/> names a Hub model (<c>hf:…</c>), however malformed the rest.</summary>
    public static bool IsHubReference(string? text) => text is not null && text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Parses <c>[hf:]ORG/NAME[@REVISION]</c>; throws <see cref="HubException"/> naming the text and the form expected.</summary>
    public static HubModelReference Parse(string text)
    {
        var body = IsHubReference(text) ? text[Prefix.Length..] : text;
        var at = body.IndexOf('@');
        var repoId = at < 0 ? body : body[..at];
        var revision = at < 0 ? DefaultRevision : body[(at + 1)..];
        if (!RepoIdPattern().IsMatch(repoId) || repoId.Contains("--", StringComparison.Ordinal) || repoId.Contains("..", StringComparison.Ordinal))
            throw new HubException(HubProblem.BadReference,
                $"'{text}' is not a Hub model: expected ORG/NAME or ORG/NAME@REVISION (e.g. Qwen/Qwen2.5-0.5B-Instruct@main)");
        if (revision.Length == 0 || revision.Any(char.IsWhiteSpace) || revision.Contains("..", StringComparison.Ordinal))
            throw new HubException(HubProblem.BadReference, $"'{text}': the revision after '@' must be a branch, tag or commit hash");
        return new HubModelReference(repoId, revision);
    }

    /// <summary>This model pinned to <paramref name="commit"/>: what a run records, so that it can be repeated.</summary>
    public HubModelReference At(string commit) => this with { Revision = commit };

    /// <summary>True when the revision is a full commit hash, which names one snapshot for ever.</summary>
    public bool IsPinned => IsCommitHash(Revision);

    public static bool IsCommitHash(string revision) => CommitPattern().IsMatch(revision);

    public override string ToString() => $"{Prefix}{RepoId}@{Revision}";

    // The Hub's rule for names: letters, digits, '-', '_', '.'; an optional namespace; no leading or trailing separator.
    [GeneratedRegex(@"^([A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}
