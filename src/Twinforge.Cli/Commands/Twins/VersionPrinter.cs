using System.Globalization;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>How twin versions and their figures read on the console.</summary>
static class VersionPrinter
{
    public static void Outcome(TextWriter output, Twin twin, VersionOutcome outcome)
    {
        var metrics = outcome.Metrics;
        output.WriteLine($"twin '{twin.Name}' version {outcome.Version.Number}: {outcome.Version.Status.Name()}");
        output.WriteLine(Invariant($"  fixed held-out loss {metrics.FixedHeldOutLoss:F4} (perplexity {metrics.FixedHeldOutPerplexity:F2})") +
                         (metrics.NewHeldOutLoss is double fresh ? Invariant($", new data's held-out loss {fresh:F4}") : ""));
        var refitted = outcome.Version.ParentVersionId is not null && TwinRecipe.FromText(outcome.Version.RecipeText).UpdateMode == UpdateMode.Refit;
        output.WriteLine($"  {metrics.Verdict}; best at step {metrics.BestStep} of {metrics.Steps}{(metrics.StoppedEarly ? ", stopped early" : "")}, " +
                         (refitted
                             ? Invariant($"refitted from the base on all {metrics.TrainedTokens:N0} tokens of the twin's data")
                             : Invariant($"{metrics.TrainedTokens:N0} new tokens, {metrics.ReplayedExamples} older examples replayed")));
        if (metrics.SeedLosses is { Count: >= 2 } seeds)
            output.WriteLine(Invariant($"  over {seeds.Count} seeds the fixed held-out loss was {seeds.Average():F4} ± {metrics.SeedSpread:F4} (") +
                             string.Join(", ", seeds.Select(loss => loss.ToString("F4", CultureInfo.InvariantCulture))) +
                             Invariant($"); two seeds land up to {metrics.SeedNoise:F4} apart; the version keeps the first"));
        if (metrics.Search is { } search) output.WriteLine("  " + search.Describe());
        if (outcome.FromParent is { } difference) output.WriteLine($"  against its parent, conversation by conversation: {difference.Describe()}");
        if (metrics.Evaluation is { } evaluation)
            foreach (var line in Twinforge.Twins.Fidelity.EvaluationReport.Lines(evaluation)) output.WriteLine("  " + line);
        output.WriteLine($"  artifacts: {string.Join(", ", outcome.Version.Artifacts.Select(a => $"{a.Kind} {a.ContentHash[..12]}"))}");
        if (outcome.PromotedTo is { } alias) output.WriteLine($"  promoted to '{alias.Name}'");
        if (outcome.PromotionNote is string note) output.WriteLine($"  {note}");
    }

    /// <summary>
    /// The copies of deleted versions that were exported outside the store: the registry cannot delete them, so the
    /// operator is told where each is.
    /// </summary>
    public static void ExportedCopies(TextWriter output, IReadOnlyList<VersionExport> copies, Func<long, string> twinName)
    {
        if (copies.Count == 0) return;
        // A place exported to more than once (an export replaced with --force, two versions' reports to one folder) is
        // one copy to delete: listed once, with what went there.
        var places = copies.GroupBy(exported => Path.TrimEndingDirectorySeparator(exported.Path)).ToList();
        var (copy, it) = places.Count == 1 ? ("copy", "it") : ("copies", "them");
        output.WriteLine($"{places.Count} exported {copy} of the deleted versions, outside the store: delete {it} yourself (the audit record lists {it} too):");
        foreach (var place in places)
        {
            var last = place.MaxBy(exported => exported.ExportedAt)!;
            var versions = place.Select(exported => exported.VersionNumber).Distinct().Order().ToList();
            var what = versions.Count == 1 ? $"version {versions[0]}" : $"versions {string.Join(", ", versions)}";
            output.WriteLine(place.Count() == 1
                ? $"  {place.Key}  ({twinName(last.TwinId)} {what}, exported {last.ExportedAt:u} by {last.ExportedBy})"
                : $"  {place.Key}  ({twinName(last.TwinId)} {what}, exported there {place.Count()} times, last {last.ExportedAt:u} by {last.ExportedBy})");
        }
    }

    /// <summary>An evaluated version's figures on one line, for <c>twin show</c>; null when it was not evaluated.</summary>
    public static string? EvaluationSummary(VersionMetrics? metrics)
    {
        if (metrics?.Evaluation is not { } evaluation) return null;
        var parts = new List<string>();
        if (evaluation.Fidelity.Attribution is { } attribution)
            parts.Add(Invariant($"judge: {attribution.TwinShare * 100:F0}% of its {attribution.ChunkWords}-word chunks the creator's (base {attribution.BaseShare * 100:F0}%, creator {attribution.CreatorShare * 100:F0}%, judge accuracy {attribution.JudgeBalancedAccuracy * 100:F0}%)"));
        var memorisation = evaluation.Memorisation;
        parts.Add(Invariant($"verbatim {memorisation.NgramLength}-grams {memorisation.TwinVerbatimShare * 100:F1}% (base {memorisation.BaseVerbatimShare * 100:F1}%)"));
        if (memorisation.ExtractionTrials > 0)
            parts.Add(Invariant($"extracted {memorisation.TwinExtracted}/{memorisation.ExtractionTrials} (base {memorisation.BaseExtracted})"));
        if (evaluation.Forgetting is { } forgetting)
            parts.Add(Invariant($"general English {forgetting.TwinLoss:F4} (base {forgetting.BaseLoss:F4})"));
        return string.Join("; ", parts);
    }

    public static string Loss(VersionMetrics? metrics) => metrics is null ? "-" : Invariant($"{metrics.FixedHeldOutLoss:F4}");

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
