using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Twinforge.Cli.BuiltIn;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;

namespace Twinforge.Bench.Watermark;

/// <summary>
/// <c>twinforge-bench watermark</c>: how well the watermark is found, as Kirchenbauer et al. (ICML 2023) measure it.
/// Human text (the creator's own answers and general English) cut into chunks of 50, 100 and 200 tokens sets, per
/// length, the z threshold at which at most 1% of it is flagged; answers of 200 tokens sampled at temperature 0.7 and
/// 1.0, with and without the watermark, are then tested at their first 50, 100 and 200 tokens. The cost is the loss:
/// of the creator's held-out answers under the watermarked distribution, and of the answers themselves under the
/// unwatermarked model (the paper's perplexity, with the model as its own oracle for want of a larger one).
/// </summary>
static class WatermarkBenchmark
{
    public const string Command = "watermark";
    public const string Usage = "watermark [--answers 100] [--size standard|tiny|english] [--cache DIR] [--json FILE] [--quick]   (watermark detection at 50/100/200 tokens, false positives on human text, loss cost)";

    static readonly int[] Lengths = [50, 100, 200];
    static readonly double[] Temperatures = [0.7, 1.0];
    const double FalsePositiveTarget = 0.01;
    /// <summary>The one-sided 1% point of the standard normal: the threshold an exact test would need.</summary>
    const double NormalOnePercentPoint = 2.3263478740408408;
    /// <summary>Enough chunks of general English for a 1% rate to be measured to about ±0.3%.</summary>
    const int MaxChunksPerSource = 1500;

    public static int RunCommand(string[] args, TextWriter output)
    {
        int answers = 100;
        bool quick = false;
        string? json = null, cache = null;
        var size = BuiltInModelSize.Standard;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--answers":
                    answers = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0
                        ? count : throw new ArgumentException($"--answers must be a positive integer, got '{args[i]}'");
                    break;
                case "--cache": cache = Value(); break;
                case "--size":
                    size = Value() switch
                    {
                        "standard" => BuiltInModelSize.Standard,
                        "tiny" => BuiltInModelSize.Tiny,
                        "english" => BuiltInModelSize.English,
                        var other => throw new ArgumentException($"--size must be standard, tiny or english, got '{other}'"),
                    };
                    break;
                case "--json": json = Value(); break;
                case "--quick": quick = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; usage: twinforge-bench {Usage}");
            }
        }
        var inputs = quick ? WatermarkBenchInputs.Quick() : WatermarkBenchInputs.BuiltIn(CacheLocation.Resolve(cache is null ? null : new DirectoryInfo(cache)), size, output);
        var result = Run(inputs, quick ? Math.Min(answers, 4) : answers, output);
        output.Write(result.Table());
        if (json is not null) File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    public static WatermarkBenchResult Run(WatermarkBenchInputs inputs, int answersPerCell, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        // A fixed key, so that a run repeats exactly on the same machine.
        var settings = new WatermarkSettings(new WatermarkKey("bench", SHA256.HashData("twinforge-bench watermark key"u8)));
        var detection = new List<DetectionFigures>();
        var loss = new List<LossFigures>();
        IReadOnlyDictionary<int, double>? thresholds = null;
        List<HumanTextFigures>? human = null;
        foreach (var benchModel in inputs.Models)
        {
            log.WriteLine($"watermark: {benchModel.Name}: {benchModel.Description}");
            var (network, tokenizer) = benchModel.Load();
            using var model = network;
            // Human text is read with the first model's tokenizer (the built-in models share theirs).
            if (thresholds is null) (thresholds, human) = HumanText(inputs, tokenizer, settings);
            var prompts = benchModel.Prompts(tokenizer);
            var answerLosses = new List<AnswerLoss>();
            using var generator = new TokenGenerator(model);
            foreach (double temperature in Temperatures)
            {
                var plain = Answers(generator, prompts, answersPerCell, temperature, watermark: null);
                var watermarked = Answers(generator, prompts, answersPerCell, temperature, settings);
                foreach (int tokens in Lengths)
                {
                    var watermarkedZ = watermarked.Select(answer => WatermarkDetector.Detect(answer.Output.Take(tokens).ToList(), settings).ZScore).ToList();
                    var plainZ = plain.Select(answer => WatermarkDetector.Detect(answer.Output.Take(tokens).ToList(), settings).ZScore).ToList();
                    double threshold = thresholds[tokens];
                    detection.Add(new DetectionFigures(benchModel.Name, temperature, tokens, answersPerCell, threshold,
                        Share(watermarkedZ, threshold), Share(watermarkedZ, WatermarkDetector.DefaultZThreshold),
                        Median.Of(watermarkedZ), Share(plainZ, threshold)));
                }
                answerLosses.Add(new AnswerLoss(temperature, MeanAnswerLoss(model, plain), MeanAnswerLoss(model, watermarked)));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  temperature {temperature:F1}: {2 * answersPerCell} answers, {clock.Elapsed.TotalSeconds:F0} s"));
            }
            var heldOut = inputs.HeldOutConversations.Select(conversation => ChatEncoder.Encode(tokenizer, conversation, addGenerationPrompt: false)).ToList();
            loss.Add(new LossFigures(benchModel.Name, MeanLoss(model, heldOut, null), MeanLoss(model, heldOut, settings), answerLosses));
        }
        return new WatermarkBenchResult(inputs.Description, MachineInfo.Current().CpuModel, Environment.ProcessorCount, GitCommit.Describe() ?? "unknown",
            DateTimeOffset.UtcNow, settings.Delta, settings.GreenFraction, answersPerCell, thresholds!, human!, detection, loss, clock.Elapsed.TotalSeconds);
    }

    sealed record Answer(IReadOnlyList<int> Prompt, IReadOnlyList<int> Output);

    /// <summary>One 200-token answer per seed, cycling through the prompts; the same seeds with and without the watermark.</summary>
    static List<Answer> Answers(TokenGenerator generator, IReadOnlyList<IReadOnlyList<int>> prompts, int count, double temperature, WatermarkSettings? watermark) =>
        Enumerable.Range(0, count).Select(index =>
        {
            var prompt = prompts[index % prompts.Count];
            var options = new GenerationOptions { MaxNewTokens = Lengths[^1], Temperature = temperature, Seed = index + 1, Watermark = watermark };
            return new Answer(prompt, generator.Generate(prompt, options).ToList());
        }).ToList();

    /// <summary>
    /// Each source's text in consecutive chunks of each length; per length, the z threshold with at most 1% of all
    /// chunks at or above it (never below the exact test's 2.33), and each source's share over it and over 4.
    /// </summary>
    static (IReadOnlyDictionary<int, double>, List<HumanTextFigures>) HumanText(WatermarkBenchInputs inputs, ITokenizer tokenizer, WatermarkSettings settings)
    {
        var thresholds = new Dictionary<int, double>();
        var figures = new List<HumanTextFigures>();
        var encoded = inputs.HumanTexts.Select(source => (source.Source, Ids: tokenizer.Encode(source.Text))).ToList();
        foreach (int tokens in Lengths)
        {
            var zBySource = encoded.Select(source => (source.Source, Z: Chunks(source.Ids, tokens)
                .Select(chunk => WatermarkDetector.Detect(chunk, settings).ZScore).ToList())).ToList();
            var all = zBySource.SelectMany(source => source.Z).OrderDescending().ToList();
            int allowed = (int)Math.Floor(FalsePositiveTarget * all.Count);
            // Just above the (allowed + 1)-th highest z: exactly `allowed` chunks (or fewer, on ties) reach it.
            double threshold = Math.Max(NormalOnePercentPoint, allowed < all.Count ? Math.BitIncrement(all[allowed]) : NormalOnePercentPoint);
            thresholds[tokens] = threshold;
            foreach (var (source, z) in zBySource)
                figures.Add(new HumanTextFigures(source, tokens, z.Count, Share(z, threshold), Share(z, WatermarkDetector.DefaultZThreshold)));
        }
        return (thresholds, figures);
    }

    /// <summary>Consecutive, non-overlapping chunks, at most <see cref="MaxChunksPerSource"/> spread evenly over the text.</summary>
    static IEnumerable<List<int>> Chunks(IReadOnlyList<int> ids, int length)
    {
        int available = ids.Count / length;
        int taken = Math.Min(available, MaxChunksPerSource);
        for (int chunk = 0; chunk < taken; chunk++)
        {
            int start = (int)((long)chunk * available / taken) * length;
            yield return ids.Skip(start).Take(length).ToList();
        }
    }

    static double Share(IReadOnlyCollection<double> z, double threshold) => z.Count == 0 ? 0 : z.Count(value => value >= threshold) / (double)z.Count;

    /// <summary>Mean loss per answer token under the unwatermarked model, the prompt as context.</summary>
    static double MeanAnswerLoss(CausalLanguageModel model, IReadOnlyList<Answer> answers) =>
        MeanLoss(model, answers.Select(answer => (
            Ids: answer.Prompt.Concat(answer.Output).ToArray(),
            Trainable: answer.Prompt.Select(_ => false).Concat(answer.Output.Select(_ => true)).ToArray())).ToList(), watermark: null);

    static double MeanLoss(CausalLanguageModel model, IReadOnlyList<(int[] Ids, bool[] Trainable)> sequences, WatermarkSettings? watermark)
    {
        double summed = 0;
        long targets = 0;
        foreach (var (ids, trainable) in sequences)
        {
            var (loss, count) = WatermarkedLoss.Of(model, ids, trainable, watermark);
            summed += loss;
            targets += count;
        }
        return summed / Math.Max(1, targets);
    }
}
