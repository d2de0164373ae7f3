using System.CommandLine;
using System.Globalization;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Cli.Study;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge study data-efficiency</c>: fine-tuning against training from scratch on growing shares of a creator's
/// data, judged on the same held-out data, with the data multiple. Defaults to the built-in base and persona.
/// </summary>
public static class StudyCommand
{
    public static Command Create()
    {
        var baseModel = new Option<string>("--base") { Description = "Base model directory, or 'builtin' [default: builtin]", DefaultValueFactory = _ => "builtin" };
        var data = new Option<FileInfo>("--data") { Description = "The creator's training conversations (chat JSONL) [default: the built-in persona]" };
        var validation = new Option<FileInfo>("--validation") { Description = "Held-out conversations every run is judged on [default: the built-in persona's]" };
        var fractions = new Option<string>("--fractions") { Description = "Shares of the data, comma-separated [default: 0.01,0.03,0.1,0.3,1]", DefaultValueFactory = _ => "0.01,0.03,0.1,0.3,1" };
        var steps = new Option<int>("--max-steps") { Description = "Update budget of every run (with early stopping) [default: 150]", DefaultValueFactory = _ => 150 };
        var output = new Option<DirectoryInfo>("--output") { Description = "Where the study writes its runs, table and plot [default: runs/study]" };
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var dataEfficiency = new Command("data-efficiency", "Fine-tune vs train from scratch on growing shares of the data; report the curve and how much more data scratch needs.")
        {
            baseModel, data, validation, fractions, steps, output, size, cache, plain,
        };
        dataEfficiency.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var shares = ParseFractions(result.GetValue(fractions)!);
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var modelSize = BuiltInModelSize.Parse(result.GetValue(size)!);
            var display = TrainingDisplay.For(console, result.GetValue(plain));
            var basePath = result.GetValue(baseModel) == "builtin"
                ? BuiltInModels.EnsureBase(cacheRoot, modelSize, display, cancellationToken)
                : Path.GetFullPath(result.GetValue(baseModel)!);
            string training, held;
            if (result.GetValue(data) is FileInfo given)
            {
                training = given.FullName;
                held = result.GetValue(validation)?.FullName ?? throw new ArgumentException("--validation is required with --data: every run is judged on the same held-out file");
            }
            else
            {
                (training, held) = new BuiltInCorpora(cacheRoot).Creator();
            }
            var root = result.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("runs", "study"));
            Directory.CreateDirectory(root);
            var plan = DemoPlan.For(modelSize);
            int budget = result.GetValue(steps);
            FineTuningOptions OptionsFor(FineTuningMethod method)
            {
                var options = method == FineTuningMethod.Lora ? plan.Twin(held) : plan.FromScratch(held);
                return options with { Training = options.Training with { Epochs = 1000, MaxSteps = budget, EvaluateEverySteps = Math.Max(1, budget / 10) } };
            }
            console.WriteLine($"Data-efficiency study: base {basePath}, data {training}, held out {held}, shares {string.Join(", ", shares)}, {budget} updates per run.");
            var study = new DataEfficiencyStudy(basePath, training, held, root);
            var points = study.Run(shares, OptionsFor, (title, work) => display.Run(title, work), console, cancellationToken);
            console.WriteLine();
            console.Write(DataEfficiencyStudy.Table(points, DataEfficiencyStudy.Multiples(points)));
            console.WriteLine($"Results: {Path.Combine(root, DataEfficiencyStudy.ResultsFileName)}, plot: {Path.Combine(root, DataEfficiencyStudy.PlotFileName)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return new Command("study", "Studies that measure what fine-tuning buys.") { dataEfficiency };
    }

    static IReadOnlyList<double> ParseFractions(string text)
    {
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0 && value <= 1))
                throw new ArgumentException($"--fractions: '{part}' is not a share in (0, 1]");
            values.Add(value);
        }
        return values.Count > 0 ? values.Distinct().ToList() : throw new ArgumentException("--fractions: give at least one share");
    }
}
