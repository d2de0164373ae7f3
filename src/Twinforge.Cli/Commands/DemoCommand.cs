using System.CommandLine;
using System.Globalization;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Recipes;
using Twinforge.Cli.Runs;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Training;
using Twinforge.Reporting;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge demo</c>, the README's main job, end to end on built-in defaults with nothing downloaded: build (or
/// reuse) the built-in base model, make a twin of one persona by LoRA fine-tuning on their small chat dataset, train
/// the same architecture from scratch on the same data for comparison, and show base and twin answering the same
/// questions, the validation loss of base → twin → from scratch on the persona's held-out data, and the report.
/// </summary>
public static class DemoCommand
{
    const string Marker = "demo.json";

    /// <summary>Answers each model gives to each held-out question for the English-word share (the first is shown).</summary>
    const int SamplesPerQuestion = 5;

    public static Command Create()
    {
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var output = new Option<DirectoryInfo>("--output") { Description = "Where the demo writes its runs (replaced if it holds an earlier demo) [default: runs/demo]" };
        var command = new Command("demo", "Build the built-in base, make a twin of a persona from their small dataset, compare with training from scratch.")
        {
            size, cache, plain, output,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var plan = DemoPlan.For(BuiltInModelSize.Parse(result.GetValue(size)!));
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var root = result.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("runs", "demo"));
            PrepareOutput(root);
            var display = TrainingDisplay.For(console, result.GetValue(plain));

            console.WriteLine(plan.BaseSize.ByteLevel
                ? $"[1/5] Base model: the built-in {plan.BaseSize.Name} model, pre-trained from scratch on general English (Debian's fortunes)."
                : $"[1/5] Base model: the built-in {plan.BaseSize.Name} model, pre-trained from scratch on 57 MB of English from Debian packages with a vocabulary learned from it.");
            var basePath = BuiltInModels.EnsureBase(cacheRoot, plan.BaseSize, display, cancellationToken);
            console.WriteLine($"      {basePath}");

            console.WriteLine("[2/5] Creator data: the Bastard Operator From Hell's excuses (Debian's fortunes-bofh-excuses) as chat: a user reports a problem, the persona answers.");
            var (training, validation) = new BuiltInCorpora(cacheRoot).Creator();
            console.WriteLine($"      training {training} ({File.ReadLines(training).Count()} conversations), held out {validation} ({File.ReadLines(validation).Count()})");

            console.WriteLine("[3/5] Twin: LoRA fine-tuning of the base on the creator's data, with validation and early stopping.");
            var twin = Train(display, "twin (LoRA)", basePath, training, Path.Combine(root, "twin"), plan.Twin(validation), cancellationToken);
            if (twin.Training.Cancelled) return Task.FromResult(Interrupted(console));

            console.WriteLine("[4/5] Baseline: the same architecture trained from scratch on the same small data.");
            var scratch = Train(display, "from scratch", basePath, training, Path.Combine(root, "from-scratch"), plan.FromScratch(validation), cancellationToken);
            if (scratch.Training.Cancelled) return Task.FromResult(Interrupted(console));

            console.WriteLine("[5/5] Base and twin side by side.");
            var (baseLoss, bitsPerNat) = ValidationLoss(basePath, validation, plan);
            // Shown: four questions. Measured: every question of the held-out conversations, each answered
            // SamplesPerQuestion times (another seed each), so the share of English words rests on several hundred words:
            // on one answer each (~150 words for the twin) it moved by ±2 points with the seed alone.
            var heldOutQuestions = RunSamples.DistinctPrompts(File.ReadLines(validation), int.MaxValue);
            var questions = BuiltInCorpora.DemoQuestions.Concat(heldOutQuestions).Distinct(StringComparer.Ordinal).ToList();
            var allSamples = Samples(Enumerable.Repeat(questions, SamplesPerQuestion).SelectMany(round => round).ToList(),
                basePath, twin.ModelDirectory!, scratch.ModelDirectory!);
            var samples = new SampleSet(allSamples.Samples.Take(questions.Count).ToList()); // the first answer to each: shown and reported
            samples.Save(Path.Combine(root, "twin"));
            foreach (var sample in samples.Samples.Take(BuiltInCorpora.DemoQuestions.Count))
            {
                console.WriteLine($"  Q: {sample.Prompt}");
                foreach (var (label, text) in sample.Outputs) console.WriteLine($"     {label,-13} {OneLine(text)}");
            }
            console.WriteLine($"  Answers to all {questions.Count} questions of the held-out conversations, {SamplesPerQuestion} each:");
            var wordList = EnglishWordList.Load(cacheRoot);
            var answerFigures = new Dictionary<string, (string English, string Different)>();
            foreach (var label in samples.ModelLabels)
            {
                var answers = samples.Samples.Select(sample => sample.Outputs[label]).ToList();
                var everyAnswer = allSamples.Samples.Select(sample => sample.Outputs[label]);
                answerFigures[label] = (EnglishShare(wordList, everyAnswer), $"{answers.Distinct().Count()} of {answers.Count}");
                console.WriteLine($"  {label,-13} {answerFigures[label].English}; {answers.Distinct().Count()} different answers to {answers.Count} questions");
            }
            var creatorAnswers = File.ReadLines(validation).Select(RunSamples.FirstAssistantTurn).OfType<string>().ToList();
            var creatorEnglish = EnglishShare(wordList, creatorAnswers);
            console.WriteLine($"  {"the creator",-13} {creatorEnglish} in their own {creatorAnswers.Count} held-out answers");
            var twinReport = RunReport.Write(Path.Combine(root, "twin"));
            var scratchReport = RunReport.Write(Path.Combine(root, "from-scratch"));
            var report = SummaryReport.Write(root, new SummaryPage("Twinforge demo: a twin of one persona",
                [
                    $"Base model {basePath}; creator data {training}; every loss measured on the same held-out conversations {validation}.",
                    $"Answers: each model's to the {questions.Count} questions of the held-out conversations, sampled at temperature 0.7, top-k 20, " +
                    $"{SamplesPerQuestion} times each with other seeds; the share of English words (those in Debian's wamerican list) counts every answer, " +
                    "the different answers count the first answer to each question (the ones shown); the creator's row is their own held-out answers.",
                ],
                ["model", "validation loss (nats/token)", "bits per byte", "perplexity", "English words in answers", "different answers", "training"],
                [
                    LossRow("base model, not fine-tuned", baseLoss, bitsPerNat, answerFigures["base"], ""),
                    LossRow("twin (LoRA fine-tuned)", twin.Training.Best!.Loss, bitsPerNat, answerFigures["twin"], Describe(twin)),
                    LossRow("from scratch, same data", scratch.Training.Best!.Loss, bitsPerNat, answerFigures["from scratch"], Describe(scratch)),
                    ["the creator (held-out answers)", "", "", "", creatorEnglish, "", ""],
                ],
                [], [("twin: run report with base and twin answers", twinReport), ("from scratch: run report", scratchReport)]));

            console.WriteLine();
            console.WriteLine("Validation loss on the persona's held-out conversations (nats per assistant token; lower is better):");
            console.WriteLine(Row("base model, not fine-tuned", baseLoss, bitsPerNat, ""));
            console.WriteLine(Row("twin (LoRA fine-tuned)", twin.Training.Best!.Loss, bitsPerNat, Describe(twin)));
            console.WriteLine(Row("from scratch, same data", scratch.Training.Best!.Loss, bitsPerNat, Describe(scratch)));
            console.WriteLine($"Report: {report}");
            AtomicFile.WriteAllText(Path.Combine(root, Marker), string.Create(CultureInfo.InvariantCulture,
                $"{{\"base\": \"{basePath}\", \"base_loss\": {baseLoss}, \"twin_loss\": {twin.Training.Best.Loss}, \"scratch_loss\": {scratch.Training.Best.Loss}}}\n"));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// The demo's directory is its own: a finished demo there is replaced, an interrupted one is continued from its
    /// checkpoints, anything else is refused.
    /// </summary>
    static void PrepareOutput(string root)
    {
        OptionChecks.RequireOutputDirectory(root, "--output");
        if (!Directory.Exists(root) || !Directory.EnumerateFileSystemEntries(root).Any()) return;
        if (File.Exists(Path.Combine(root, Marker)))
        {
            Directory.Delete(root, recursive: true);
            return;
        }
        if (!Directory.Exists(Path.Combine(root, "twin")))
            throw new BadInputException($"{root} exists and does not hold an earlier demo: choose another --output");
    }

    /// <summary>A demo run, recorded with the recipe that repeats it through <c>twinforge finetune</c>.</summary>
    static FineTuningResult Train(TrainingDisplay display, string title, string basePath, string training, string runDirectory,
        FineTuningOptions options, CancellationToken cancellationToken) =>
        RecipeRun.Execute(display, title, RecipeMapper.ToRecipe(options, basePath, [training], runDirectory), basePath, runDirectory, options, cancellationToken);

    static IReadOnlyList<string> LossRow(string label, double loss, double bitsPerNat, (string English, string Different) answers, string note) =>
    [
        label, loss.ToString("F4", CultureInfo.InvariantCulture), (loss * bitsPerNat).ToString("F3", CultureInfo.InvariantCulture),
        Math.Exp(loss).ToString("F2", CultureInfo.InvariantCulture), answers.English, answers.Different, note,
    ];

    /// <summary>
    /// The model's loss on the held-out conversations, and the factor from a mean loss per token on them to bits per
    /// byte (their target tokens over their UTF-8 bytes, over ln 2): the same for every model on this base's tokenizer,
    /// so the twin's and the baseline's losses convert with it too, and bases with other tokenizers compare fairly.
    /// </summary>
    static (double Loss, double BitsPerByteFactor) ValidationLoss(string modelDirectory, string validation, DemoPlan plan)
    {
        using var model = PretrainedModel.Load(modelDirectory);
        var data = TrainingData.Prepare([validation], model.Tokenizer, plan.Data(validation) with { ValidationFile = null, ValidationFraction = 0 });
        data.ThrowIfInvalid();
        var evaluation = Evaluation.Run(model.Network, data.Train, plan.BatchSize);
        long bytes = BitsPerByte.TargetBytes(data.Train, model.Tokenizer);
        return (evaluation.Loss, bytes > 0 ? BitsPerByte.FromLoss(1, evaluation.Targets, bytes) : double.NaN);
    }

    static SampleSet Samples(IReadOnlyList<string> questions, string basePath, string twinPath, string scratchPath) =>
        RunSamples.Answer(questions, new (string, Func<PretrainedModel>)[]
        {
            ("base", () => PretrainedModel.Load(basePath)),
            ("twin", () => PretrainedModel.Load(twinPath)),
            ("from scratch", () => PretrainedModel.Load(scratchPath)),
        });

    static string Describe(FineTuningResult run) =>
        $"best at step {run.Training.BestStep} of {run.Training.Steps}" + (run.Training.StoppedEarly ? ", stopped early" : "") +
        (run.Training.Overfitting.GapWideningStep is int widening ? $", train/val gap widening from step {widening}" : "");

    static string Row(string label, double loss, double bitsPerNat, string note) =>
        string.Create(CultureInfo.InvariantCulture, $"  {label,-28} {loss,7:F4}  (perplexity {Math.Exp(loss),7:F2}; {loss * bitsPerNat:F3} bits per byte)  {note}");

    static string EnglishShare(EnglishWordList wordList, IEnumerable<string> answers)
    {
        var (english, words) = answers.Select(wordList.Count).Aggregate((0, 0), (sum, count) => (sum.Item1 + count.English, sum.Item2 + count.Words));
        return words == 0 ? "no words at all" : string.Create(CultureInfo.InvariantCulture,
            $"English words {100.0 * english / words,5:F1}% ({english} of {words}, Debian's wamerican list)");
    }

    static string OneLine(string text)
    {
        var flat = string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        flat = new string(flat.Select(c => char.IsControl(c) || c == '\uFFFD' ? '·' : c).ToArray());
        if (flat.Length == 0) return "(nothing: it ended its turn at once)";
        return flat.Length <= 100 ? flat : flat[..100] + "…";
    }

    static int Interrupted(TextWriter console)
    {
        console.WriteLine("Interrupted: a checkpoint was saved; run the demo again to continue where it stopped.");
        return ExitCodes.Interrupted;
    }
}
