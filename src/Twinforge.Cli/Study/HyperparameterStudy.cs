using System.Globalization;
using System.Text;
using System.Text.Json;
using Twinforge.Cli.BuiltIn;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Training;
using Twinforge.Reporting;

namespace Twinforge.Cli.Study;

/// <summary>One persona at one share of its data: the recipe's fixed settings against <c>training: auto</c>.</summary>
/// <param name="FixedLoss">Held-out loss (the persona's fixed held-out file, nats per token) of the fixed settings.</param>
/// <param name="AutoLoss">The same for the settings the search chose.</param>
/// <param name="Chosen">What the search chose, for people.</param>
/// <param name="Evidence">What it chose by: the best other finisher's difference from the recipe's own settings, held out or cross-validated.</param>
public sealed record HyperparameterPoint(string Persona, double Fraction, int Examples, long TrainedTokens, double FixedLoss, int FixedSteps,
    double AutoLoss, int AutoSteps, int AutoBudget, string Chosen, string Evidence = "")
{
    public double Gain => FixedLoss - AutoLoss;
}

/// <summary>
/// Does <c>training: auto</c> beat the fixed defaults? For each persona and share of its training data (nested,
/// seeded subsets, as the data-efficiency study draws them), a tenth of the subset (at least one exchange) is held out
/// to choose by — early stopping for the fixed settings, early stopping and the search for auto (which cross-validates
/// on the whole share when that tenth is too small to show a difference) — and both are then
/// judged on the persona's own held-out file, which neither saw: so the search's choice is tested on data it did not
/// choose on.
/// </summary>
public sealed class HyperparameterStudy(string basePath, string outputDirectory)
{
    public const string ResultsFileName = "study.json";
    public const string TableFileName = "study.md";

    public IReadOnlyList<HyperparameterPoint> Run(IReadOnlyList<Persona> personas, IReadOnlyList<double> fractions, FineTuningOptions fixedSettings,
        Func<string, Func<Action<TrainingEvent>, FineTuningResult>, FineTuningResult> runWithProgress, TextWriter console, CancellationToken cancellationToken)
    {
        var points = new List<HyperparameterPoint>();
        var reports = new List<(string, string)>();
        foreach (var persona in personas)
        {
            var conversations = File.ReadLines(persona.Training).Where(line => line.Trim().Length > 0).ToList();
            var order = Enumerable.Range(0, conversations.Count).ToArray();
            new Random(1).Shuffle(order);
            foreach (var fraction in fractions.Order())
            {
                int count = Math.Max(2, (int)Math.Round(fraction * conversations.Count));
                var subset = order.Take(count).Order().Select(i => conversations[i]).ToList();
                // Every tenth chooses (the last one when there are fewer than ten): never the file both are judged on.
                var choosing = subset.Where((_, i) => i % 10 == 9).DefaultIfEmpty(subset[^1]).ToList();
                var training = subset.Except(choosing).ToList();
                var directory = Path.Combine(outputDirectory, persona.Name, Label(fraction));
                var trainFile = Path.Combine(directory, "train.jsonl");
                var chooseFile = Path.Combine(directory, "choose.jsonl");
                AtomicFile.WriteAllText(trainFile, string.Join('\n', training) + "\n");
                AtomicFile.WriteAllText(chooseFile, string.Join('\n', choosing) + "\n");
                var options = fixedSettings with { Data = fixedSettings.Data with { ValidationFile = chooseFile }, SaveMergedModel = false };

                (FineTuningResult Result, double Loss) Train(string mode, FineTuningOptions runOptions)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var runDirectory = Path.Combine(directory, mode);
                    var result = runWithProgress($"{persona.Name}, {Label(fraction)}, {mode}",
                        onEvent => FineTuning.Run(basePath, [trainFile], runDirectory, runOptions, onEvent, cancellationToken));
                    if (result.Training.Cancelled) throw new OperationCanceledException("the study was interrupted; run it again with --resume to continue");
                    reports.Add(($"{persona.Name}, {Label(fraction)} of the data, {mode}", RunReport.Write(runDirectory)));
                    return (result, HeldOutLoss(result, persona.Validation, runOptions));
                }
                var (fixedRun, fixedLoss) = Train("fixed", options);
                var (autoRun, autoLoss) = Train("auto", options with { Training = options.Training with { Auto = true } });
                var search = autoRun.Search!;
                var point = new HyperparameterPoint(persona.Name, fraction, training.Count, fixedRun.Data.Statistics.TrainableTokens, fixedLoss,
                    fixedRun.Training.Steps, autoLoss, search.UsedSteps, search.BudgetSteps, search.ChosenTrial!.Candidate.ToString(), Evidence(search));
                points.Add(point);
                console.WriteLine(FormattableString.Invariant(
                    $"  {persona.Name,-7} {Label(fraction),5}: {training.Count,4} examples → fixed {fixedLoss:F4}, auto {autoLoss:F4} ({point.Gain:+0.0000;-0.0000}; chose {point.Chosen})"));
                Write(points, reports);
            }
        }
        return points;
    }

    /// <summary>The comparison the search decided by, in a table cell.</summary>
    static string Evidence(Engine.Training.Search.SearchRecord search)
    {
        static string Range(Engine.Training.Search.SearchDifference d) => d.Examples < 2
            ? FormattableString.Invariant($"{d.Mean:+0.000;-0.000} on {d.Examples} (no interval)")
            : FormattableString.Invariant($"{d.Mean:+0.000;-0.000} ({d.Low:+0.000;-0.000} to {d.High:+0.000;-0.000}) over {d.Examples}");
        if (search.Confirmation is { } confirmation)
            return $"held out {Range(search.Difference!)}; {confirmation.Folds}-fold" +
                (confirmation.Finalists > 1 ? $" (best of {confirmation.Finalists} finishers, Bonferroni)" : "") + $" {Range(confirmation.Difference)}";
        if (search.Difference is { } held) return $"held out {Range(held)}";
        return "the recipe's own was best held out";
    }

    /// <summary>The trained adapter's loss on the persona's held-out file, read as training reads held-out data.</summary>
    double HeldOutLoss(FineTuningResult result, string heldOutFile, FineTuningOptions options)
    {
        using var model = result.LoadTrained(basePath);
        var data = TrainingData.Prepare([heldOutFile], model.Tokenizer, options.Data with { ValidationFile = null, ValidationFraction = 0 });
        data.ThrowIfInvalid();
        return Evaluation.Run(model.Network, data.Train, options.Training.BatchSize).Loss;
    }

    void Write(IReadOnlyList<HyperparameterPoint> points, IReadOnlyList<(string, string)> reports)
    {
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ResultsFileName), JsonSerializer.Serialize(new { base_model = basePath, points }, MetricsLog.SerializerOptions));
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, TableFileName), Table(points));
        SummaryReport.Write(outputDirectory, new SummaryPage("training: auto against the fixed settings",
            [
                $"Base model {basePath}. For each persona and share, a tenth of the share chooses (early stopping, and the search's choice; " +
                "when that tenth cannot show a difference, the search cross-validates every other finisher against the recipe's own settings on the whole share, " +
                "the best of them winning if its interval, widened for their number, is below zero); " +
                "both are judged on the persona's held-out file, which neither chose on. Losses in nats per token; lower is better.",
            ],
            Headers, points.Select(Row).ToList(), [], reports));
    }

    static readonly string[] Headers =
        ["persona", "share", "examples", "tokens", "fixed settings", "auto", "auto's gain", "auto chose", "best other − recipe's own (95% interval)", "updates (fixed / auto / auto's budget)"];

    static IReadOnlyList<string> Row(HyperparameterPoint point) =>
    [
        point.Persona, Label(point.Fraction), point.Examples.ToString(CultureInfo.InvariantCulture), point.TrainedTokens.ToString("N0", CultureInfo.InvariantCulture),
        F4(point.FixedLoss), F4(point.AutoLoss), point.Gain.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture), point.Chosen, point.Evidence,
        FormattableString.Invariant($"{point.FixedSteps:N0} / {point.AutoSteps:N0} / {point.AutoBudget:N0}"),
    ];

    /// <summary>The comparison as a Markdown table, ready for the README.</summary>
    public static string Table(IReadOnlyList<HyperparameterPoint> points)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |");
        foreach (var point in points) text.AppendLine("| " + string.Join(" | ", Row(point)) + " |");
        return text.ToString();
    }

    static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    static string Label(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
