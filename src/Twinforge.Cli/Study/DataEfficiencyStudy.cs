using System.Globalization;
using System.Text;
using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Reporting.Charts;

namespace Twinforge.Cli.Study;

/// <summary>
/// Measures the central claim of fine-tuning on our own models: for growing shares of a creator's data, fine-tune
/// the base and train the same architecture from scratch, judge both on the same held-out data, and compute how
/// much more data training from scratch needs to reach fine-tuning's validation loss. Shares are nested (each
/// contains the smaller ones) and drawn with a fixed seed; every run gets the same update budget and early stopping.
/// </summary>
public sealed class DataEfficiencyStudy(string basePath, string trainingFile, string validationFile, string outputDirectory)
{
    public const string ResultsFileName = "study.json";
    public const string TableFileName = "study.md";
    public const string PlotFileName = "data-efficiency.png";

    public IReadOnlyList<DataEfficiencyPoint> Run(IReadOnlyList<double> fractions, Func<FineTuningMethod, FineTuningOptions> optionsFor,
        Func<string, Func<Action<TrainingEvent>, FineTuningResult>, FineTuningResult> runWithProgress, TextWriter console,
        CancellationToken cancellationToken)
    {
        var conversations = File.ReadLines(trainingFile).Where(line => line.Trim().Length > 0).ToList();
        var order = Enumerable.Range(0, conversations.Count).ToArray();
        new Random(1).Shuffle(order);
        var points = new List<DataEfficiencyPoint>();
        foreach (var fraction in fractions.Order())
        {
            int count = Math.Max(1, (int)Math.Round(fraction * conversations.Count));
            var subset = Path.Combine(outputDirectory, "data", Label(fraction) + ".jsonl");
            AtomicFile.WriteAllText(subset, string.Join('\n', order.Take(count).Order().Select(i => conversations[i])) + "\n");
            foreach (var method in new[] { FineTuningMethod.Lora, FineTuningMethod.FromScratch })
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = method == FineTuningMethod.Lora ? "fine-tuned" : "from scratch";
                var runDirectory = Path.Combine(outputDirectory, "runs", $"{Label(fraction)}-{(method == FineTuningMethod.Lora ? "lora" : "scratch")}");
                var options = optionsFor(method) with { SaveMergedModel = false };
                options = options with { Data = options.Data with { ValidationFile = validationFile } };
                var result = runWithProgress($"{name}, {Label(fraction)} ({count} examples)",
                    onEvent => FineTuning.Run(basePath, [subset], runDirectory, options, onEvent, cancellationToken));
                if (result.Training.Cancelled) throw new OperationCanceledException("the study was interrupted; run it again to continue");
                var best = result.Training.Best ?? throw new InvalidOperationException("a study run had no validation");
                var point = new DataEfficiencyPoint(name, fraction, count, result.Data.Statistics.TrainableTokens, best.Loss, best.Step, result.Training.StoppedEarly);
                points.Add(point);
                console.WriteLine(FormattableString.Invariant($"  {name,-12} {Label(fraction),6}: {count,5} examples, {point.TrainedTokens,8:N0} tokens → validation loss {best.Loss:F4}"));
            }
        }
        Write(points);
        return points;
    }

    /// <summary>The data multiple at every fine-tuned point.</summary>
    public static IReadOnlyList<DataMultiple> Multiples(IReadOnlyList<DataEfficiencyPoint> points)
    {
        var scratch = points.Where(p => p.Method == "from scratch").Select(p => ((double)p.TrainedTokens, p.ValidationLoss)).ToList();
        return points.Where(p => p.Method == "fine-tuned").Select(p => DataMultiple.For(p.TrainedTokens, p.ValidationLoss, scratch)).ToList();
    }

    void Write(IReadOnlyList<DataEfficiencyPoint> points)
    {
        var multiples = Multiples(points);
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ResultsFileName), JsonSerializer.Serialize(new
        {
            base_model = basePath, training = trainingFile, validation = validationFile, points,
            multiples = multiples.Select(m => new { fine_tuned_tokens = m.FineTunedData, target_loss = m.TargetLoss, scratch_tokens = m.ScratchData, multiple = m.Multiple, lower_bound = m.IsLowerBound, upper_bound = m.IsUpperBound }),
        }, MetricsLog.SerializerOptions));
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, TableFileName), Table(points, multiples));
        LineChart.Save(Path.Combine(outputDirectory, PlotFileName), "Validation loss on held-out creator data", "training tokens of creator data (log scale)",
            "validation loss (nats/token)",
            points.GroupBy(p => p.Method).Select(group => LineSeries.Of(group.Key, group.Select(p => (double)p.TrainedTokens).ToList(),
                group.Select(p => p.ValidationLoss).ToList(), SeriesStyle.LineWithMarkers)).ToList(), logX: true);
    }

    /// <summary>The study as a Markdown table, ready for the README.</summary>
    public static string Table(IReadOnlyList<DataEfficiencyPoint> points, IReadOnlyList<DataMultiple> multiples)
    {
        var text = new StringBuilder();
        text.AppendLine("| share of data | examples | training tokens | fine-tuned loss | from-scratch loss | data multiple |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | --- |");
        var fineTuned = points.Where(p => p.Method == "fine-tuned").ToList();
        for (int i = 0; i < fineTuned.Count; i++)
        {
            var point = fineTuned[i];
            var scratch = points.Single(p => p.Method == "from scratch" && p.Fraction == point.Fraction);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Label(point.Fraction)} | {point.Examples} | {point.TrainedTokens:N0} | {point.ValidationLoss:F4} | {scratch.ValidationLoss:F4} | {multiples[i]} |"));
        }
        return text.ToString();
    }

    static string Label(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
