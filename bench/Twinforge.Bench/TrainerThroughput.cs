using System.Diagnostics;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Bench;

/// <summary>
/// The whole trainer on real text (packing, document masks, clipping, logging, checkpoints off): its tokens/s set
/// against <see cref="TrainingThroughput"/>'s bare forward-backward-update loop show the trainer's overhead.
/// </summary>
public static class TrainerThroughput
{
    public const string Usage = "trainer TEXT_FILE [steps=12] [--no-packing]   (e.g. ~/.cache/twinforge/corpora/general-english.txt)";

    /// <summary><c>trainer TEXT_FILE [steps] [--no-packing]</c>: the built-in base model's shape on a real corpus.</summary>
    public static int RunCommand(IReadOnlyList<string> arguments, TextWriter output)
    {
        if (arguments.Count == 0) throw new ArgumentException("usage: " + Usage);
        var shape = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 192, layerCount: 4, headCount: 3, keyValueHeadCount: 1,
            intermediateSize: 512, maxPositions: 1024, tieWordEmbeddings: true);
        Run(arguments[0], shape, batchSize: 16, sequenceLength: 256, steps: arguments.Count > 1 && int.TryParse(arguments[1], out var n) ? n : 12,
            packing: !arguments.Contains("--no-packing"), output);
        return 0;
    }

    public static void Run(string textFile, TransformerConfig config, int batchSize, int sequenceLength, int steps, bool packing, TextWriter output)
    {
        var tokenizer = new ByteLevelTokenizer();
        var clock = Stopwatch.StartNew();
        var data = TrainingData.Prepare([textFile], tokenizer, new TrainingDataOptions
        {
            SequenceLength = sequenceLength, PlainTextSeparator = "%", Overlong = OverlongPolicy.Split, Format = DatasetFormat.PlainText,
            ValidationFraction = 0, Packing = packing,
        });
        data.ThrowIfInvalid();
        output.WriteLine($"data: {data.Train.Count} sequences of {sequenceLength} ({(packing ? "packed, document masks" : "one document each, padded")}), prepared in {clock.Elapsed.TotalSeconds:F1} s");
        using var model = new CausalLanguageModel(config);
        model.InitializeWeights(seed: 1);
        var run = Path.Combine(Path.GetTempPath(), "twinforge-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var rates = new List<double>();
            var trainer = new Trainer(model, data, new TrainingOptions
            {
                MaxSteps = steps, BatchSize = batchSize, EvaluateEverySteps = 0, CheckpointEverySteps = 0, EarlyStoppingPatience = null,
                Precision = TrainingPrecision.BFloat16Mixed,
            }, run);
            clock.Restart();
            trainer.Run(onEvent: e => { if (e is StepCompleted step && step.Step > 2) rates.Add(step.TokensPerSecond); });
            output.WriteLine($"  trainer, bf16-mixed: {rates.Average():N0} tokens/s (mean of steps 3..{steps}); {steps} steps in {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }
}
