using System.Globalization;
using System.Text;
using System.Text.Json;
using Twinforge.Recipes;
using Twinforge.Cli.Runs;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using Twinforge.Reporting;
using Twinforge.Reporting.Charts;

namespace Twinforge.Cli.Study;

/// <summary>
/// Measures the central claim of fine-tuning on our own models: for growing shares of a creator's data, fine-tune
/// the base and train the same architecture from scratch, judge both on the same held-out data, and compute how
/// much more data training from scratch needs to reach fine-tuning's validation loss. Shares are nested (each
/// contains the smaller ones) and drawn with a fixed seed; every run gets the same update budget and early stopping.
/// The untouched base is the first point (no creator data): what fine-tuning gains is measured from it.
/// </summary>
/// <remarks>
/// With <c>judge</c> sources, every fine-tuned run (and the base) also answers the held-out prompts, and the stylometric
/// judge of <see cref="Twins.Fidelity.VersionEvaluator"/> — trained once on all the creator's training answers against
/// the other authors, so the same judge scores every share — says what share of the answers sound like the creator.
/// </remarks>
public sealed class DataEfficiencyStudy(string basePath, string trainingFile, string validationFile, string outputDirectory,
    Twins.Fidelity.EvaluationSources? judge = null)
{
    public const string AttributionPlotFileName = "attribution.png";

    public const string ResultsFileName = "study.json";
    public const string TableFileName = "study.md";
    public const string PlotFileName = "data-efficiency.png";

    /// <summary>
    /// Runs every share of the training file in <paramref name="fractions"/> with <paramref name="fineTuning"/>
    /// (its method: LoRA or full; its base, data, validation and output are set per run here) and with the same recipe
    /// from scratch, each with progress through <paramref name="runWithProgress"/> and a line on
    /// <paramref name="console"/>. A finished run (a study resumed) is reused; an interrupted one resumes from its
    /// checkpoint.
    /// <paramref name="cancellationToken"/> stops after a checkpoint.
    /// </summary>
    public IReadOnlyList<DataEfficiencyPoint> Run(IReadOnlyList<double> fractions, Recipe fineTuning,
        Func<string, Func<Action<TrainingEvent>, FineTuningResult>, FineTuningResult> runWithProgress, TextWriter console,
        CancellationToken cancellationToken)
    {
        var conversations = File.ReadLines(trainingFile).Where(line => line.Trim().Length > 0).ToList();
        var order = Enumerable.Range(0, conversations.Count).ToArray();
        new Random(1).Shuffle(order);
        var baseOptions = RecipeMapper.ToFineTuningOptions(fineTuning with { Base = basePath, Data = [trainingFile], Output = outputDirectory });
        double baseLoss = BaseLoss(baseOptions);
        console.WriteLine(FormattableString.Invariant($"  {Base,-12} {"0%",6}: {0,5} examples, {0,8:N0} tokens → validation loss {baseLoss:F4}"));
        var points = new List<DataEfficiencyPoint> { new(Base, 0, 0, 0, baseLoss, 0, false) };
        bool judgedBase = false;
        var reports = new List<(string, string)>();
        foreach (var fraction in fractions.Order())
        {
            int count = Math.Max(1, (int)Math.Round(fraction * conversations.Count));
            var subset = Path.Combine(outputDirectory, DataDirectoryName, Label(fraction) + ".jsonl");
            AtomicFile.WriteAllText(subset, string.Join('\n', order.Take(count).Order().Select(i => conversations[i])) + "\n");
            foreach (var method in new[] { fineTuning.Options.Method, FineTuningMethod.FromScratch })
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = method == FineTuningMethod.FromScratch ? FromScratch : FineTuned;
                var runDirectory = Path.Combine(outputDirectory, RunsDirectoryName, $"{Label(fraction)}-{(method == FineTuningMethod.FromScratch ? "scratch" : "fine-tuned")}");
                var recipe = (fineTuning with { Base = basePath, Data = [subset], Output = runDirectory }).With(o => o with
                {
                    Method = method, Data = o.Data with { ValidationFile = validationFile }, SaveMergedModel = false,
                });
                var options = RecipeMapper.ToFineTuningOptions(recipe);
                var result = runWithProgress($"{name}, {Label(fraction)} ({count} examples)",
                    onEvent => RecipeRun.Run(recipe, basePath, runDirectory, options, onEvent, cancellationToken));
                if (result.Training.Cancelled) throw new OperationCanceledException("the study was interrupted; run it again with --resume to continue");
                var best = result.Training.Best ?? throw new InvalidOperationException("a study run had no validation");
                var point = new DataEfficiencyPoint(name, fraction, count, result.Data.Statistics.TrainableTokens, best.Loss, best.Step, result.Training.StoppedEarly);
                if (judge is not null && method != FineTuningMethod.FromScratch && Attribution(result, options, console) is { } attribution)
                {
                    point = point with { CreatorShare = attribution.TwinShare };
                    // The base answers the same prompts with the same seeds every time: judged once, with the creator's own answers.
                    if (!judgedBase) points[0] = points[0] with { CreatorShare = attribution.BaseShare, CeilingShare = attribution.CreatorShare };
                    judgedBase = true;
                    console.WriteLine(FormattableString.Invariant($"  {"",12} {"",6}  the judge attributes {attribution.TwinShare * 100:F1}% of its answers to the creator (base {attribution.BaseShare * 100:F1}%, creator {attribution.CreatorShare * 100:F1}%)"));
                }
                points.Add(point);
                reports.Add(($"{name}, {Label(fraction)} of the data", RunReport.Write(runDirectory)));
                console.WriteLine(FormattableString.Invariant($"  {name,-12} {Label(fraction),6}: {count,5} examples, {point.TrainedTokens,8:N0} tokens → validation loss {best.Loss:F4}"));
            }
        }
        Write(points, reports);
        return points;
    }

    const string FineTuned = "fine-tuned", FromScratch = "from scratch", Base = "base";

    /// <summary>The untouched base's loss on the held-out file, read as the runs read it.</summary>
    double BaseLoss(FineTuningOptions options)
    {
        using var model = PretrainedModel.Load(basePath);
        var data = TrainingData.Prepare([validationFile], model.Tokenizer, options.Data with { ValidationFile = null, ValidationFraction = 0 });
        data.ThrowIfInvalid();
        return Evaluation.Run(model.Network, data.Train, options.Training.BatchSize).Loss;
    }

    /// <summary>The judge's attribution of a fine-tuned run's answers (and the base's) to the held-out prompts; null without prompts.</summary>
    Twins.Fidelity.AttributionFigures? Attribution(FineTuningResult result, FineTuningOptions options, TextWriter console)
    {
        // Attribution only: no extraction trials, no general text; the judge learns from all the creator's training answers.
        var evaluator = new Twins.Fidelity.VersionEvaluator(judge! with { GeneralTextFile = null }, new Twins.Fidelity.EvaluationOptions(ExtractionTrials: 0));
        return evaluator.Evaluate(new Twins.Fidelity.EvaluationSubject(basePath, () => result.LoadTrained(basePath), [trainingFile], validationFile, result.Data.Statistics.TrainableTokens,
            options.Data with { ValidationFile = null }, options.Training.BatchSize),
            stage => console.WriteLine($"  {"",12} {"",6}  judging: {stage}"))?.Figures.Fidelity.Attribution; // minutes of generation: said, not silent
    }

    /// <summary>Where the study's training runs are, one directory per share and method.</summary>
    public const string RunsDirectoryName = "runs";

    /// <summary>Under the output directory: each share's subset of the creator's data.</summary>
    public const string DataDirectoryName = "data";

    /// <summary>The data multiple at every fine-tuned point.</summary>
    public static IReadOnlyList<DataMultiple> Multiples(IReadOnlyList<DataEfficiencyPoint> points)
    {
        var scratch = points.Where(p => p.Method == FromScratch).Select(p => ((double)p.TrainedTokens, p.ValidationLoss)).ToList();
        return points.Where(p => p.Method == FineTuned).Select(p => DataMultiple.For(p.TrainedTokens, p.ValidationLoss, scratch)).ToList();
    }

    void Write(IReadOnlyList<DataEfficiencyPoint> points, IReadOnlyList<(string Label, string ReportPath)> reports)
    {
        var multiples = Multiples(points);
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ResultsFileName), JsonSerializer.Serialize(new
        {
            base_model = basePath, training = trainingFile, validation = validationFile, points,
            multiples = multiples.Select(m => new { fine_tuned_tokens = m.FineTunedData, target_loss = m.TargetLoss, scratch_tokens = m.ScratchData, multiple = m.Multiple, lower_bound = m.IsLowerBound, upper_bound = m.IsUpperBound }),
        }, MetricsLog.SerializerOptions));
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, TableFileName), Table(points, multiples));
        // The base has no creator tokens, which a log axis cannot show: it is drawn as a level across the others.
        var trained = points.Where(p => p.Method != Base).ToList();
        var series = trained.GroupBy(p => p.Method).Select(group => LineSeries.Of(group.Key, group.Select(p => (double)p.TrainedTokens).ToList(),
            group.Select(p => p.ValidationLoss).ToList(), SeriesStyle.LineWithMarkers)).ToList();
        if (points.FirstOrDefault(p => p.Method == Base) is { } untouched && trained.Count > 0)
            series.Add(LineSeries.Of("base, no creator data", [trained.Min(p => (double)p.TrainedTokens), trained.Max(p => (double)p.TrainedTokens)],
                [untouched.ValidationLoss, untouched.ValidationLoss]));
        LineChart.Save(Path.Combine(outputDirectory, PlotFileName), "Validation loss on held-out creator data", "training tokens of creator data",
            "validation loss (nats/token)", series, logX: true);
        var judged = trained.Where(p => p.CreatorShare is not null).ToList();
        if (judged.Count > 0 && points[0] is { CreatorShare: double floor, CeilingShare: double ceiling })
        {
            var low = judged.Min(p => (double)p.TrainedTokens);
            var high = judged.Max(p => (double)p.TrainedTokens);
            LineChart.Save(Path.Combine(outputDirectory, AttributionPlotFileName), "Answers the judge attributes to the creator", "training tokens of creator data",
                "share attributed to the creator (%)",
                [
                    LineSeries.Of(FineTuned, judged.Select(p => (double)p.TrainedTokens).ToList(), judged.Select(p => p.CreatorShare!.Value * 100).ToList(), SeriesStyle.LineWithMarkers),
                    LineSeries.Of("base, no creator data", [low, high], [floor * 100, floor * 100]),
                    LineSeries.Of("the creator's own held-out answers", [low, high], [ceiling * 100, ceiling * 100]),
                ], logX: true);
        }
        WriteReport(points, multiples, reports);
    }

    /// <summary>report.html: the conclusion, the table, the plot and a link to every run's own report.</summary>
    void WriteReport(IReadOnlyList<DataEfficiencyPoint> points, IReadOnlyList<DataMultiple> multiples, IReadOnlyList<(string, string)> reports)
    {
        var rows = Rows(points, multiples).ToList();
        var statements = new List<string>
        {
            $"Base model {basePath}; training data {trainingFile}; every run judged on the same held-out file {validationFile}.",
            "The data multiple is how many times more creator data training from scratch needs to reach the validation loss fine-tuning reaches; " +
            "'>' marks a lower bound (from scratch never got there on all the data), '<' an upper bound.",
        };
        SummaryReport.Write(outputDirectory, new SummaryPage("Data-efficiency study", statements,
            Headers, rows,
            [
                ("Validation loss on held-out creator data against training tokens", Path.Combine(outputDirectory, PlotFileName)),
                .. File.Exists(Path.Combine(outputDirectory, AttributionPlotFileName))
                    ? new[] { ("Answers attributed to the creator by the stylometric judge against training tokens", Path.Combine(outputDirectory, AttributionPlotFileName)) }
                    : [],
            ], reports));
    }

    static readonly string[] Headers =
        ["share of data", "examples", "training tokens", "fine-tuned loss", "from-scratch loss", "gain over the base", "gain per 1,000 tokens",
         "attributed to the creator", "attribution gain per 1,000 tokens", "data multiple"];

    /// <summary>The table's rows: the base first (no creator data), then each share with its gain over the base.</summary>
    static IEnumerable<IReadOnlyList<string>> Rows(IReadOnlyList<DataEfficiencyPoint> points, IReadOnlyList<DataMultiple> multiples)
    {
        var untouched = points.FirstOrDefault(p => p.Method == Base);
        if (untouched is not null)
            yield return ["0% (the base)", "0", "0", F4(untouched.ValidationLoss), "", "", "", Percent(untouched.CreatorShare) +
                (untouched.CeilingShare is double ceiling ? FormattableString.Invariant($" (creator {ceiling * 100:F1}%)") : ""), "", ""];
        var fineTuned = points.Where(p => p.Method == FineTuned).ToList();
        for (int i = 0; i < fineTuned.Count; i++)
        {
            var point = fineTuned[i];
            var scratch = points.Single(p => p.Method == FromScratch && p.Fraction == point.Fraction);
            double? gain = untouched is null ? null : untouched.ValidationLoss - point.ValidationLoss;
            yield return
            [
                Label(point.Fraction), point.Examples.ToString(CultureInfo.InvariantCulture), point.TrainedTokens.ToString("N0", CultureInfo.InvariantCulture),
                F4(point.ValidationLoss), F4(scratch.ValidationLoss), gain is double g ? F4(g) : "",
                gain is double perThousand && point.TrainedTokens > 0 ? F4(perThousand / (point.TrainedTokens / 1000.0)) : "",
                Percent(point.CreatorShare),
                point.CreatorShare is double share && untouched?.CreatorShare is double floor && point.TrainedTokens > 0
                    ? ((share - floor) * 100 / (point.TrainedTokens / 1000.0)).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) + " points" : "",
                multiples[i].ToString(),
            ];
        }
    }

    static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    static string Percent(double? share) => share is double value ? value.ToString("P1", CultureInfo.InvariantCulture).Replace(" ", "") : "";

    /// <summary>The study as a Markdown table, ready for the README.</summary>
    public static string Table(IReadOnlyList<DataEfficiencyPoint> points, IReadOnlyList<DataMultiple> multiples)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in Rows(points, multiples)) text.AppendLine("| " + string.Join(" | ", row) + " |");
        return text.ToString();
    }

    static string Label(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
