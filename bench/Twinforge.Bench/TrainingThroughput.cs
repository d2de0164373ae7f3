using System.Diagnostics;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// Training updates per second and tokens per second of a model shape, in float32 and in bfloat16 mixed precision:
/// the figures behind the built-in model's size and the mixed-precision default. Forward, backward and AdamW on
/// random tokens; the first updates are warm-up and not timed.
/// </summary>
public static class TrainingThroughput
{
    public const string Usage = "training [hidden=256] [layers=4] [batch=16] [sequence=256] [steps=10] [--mask]";

    /// <summary><c>training [hidden] [layers] [batch] [sequence] [steps] [--mask]</c>: a byte-level Llama-style model.</summary>
    public static int RunCommand(IReadOnlyList<string> arguments, TextWriter output)
    {
        var numbers = arguments.Where(a => a != "--mask").ToList();
        int Arg(int index, int fallback) => numbers.Count > index ? int.Parse(numbers[index]) : fallback;
        int hidden = Arg(0, 256), layers = Arg(1, 4);
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: hidden, layerCount: layers, headCount: Math.Max(1, hidden / 64),
            keyValueHeadCount: Math.Max(1, hidden / 128), intermediateSize: hidden * 8 / 3 / 16 * 16, maxPositions: 1024);
        Run(config, batchSize: Arg(2, 16), sequenceLength: Arg(3, 256), steps: Arg(4, 10), documentMask: arguments.Contains("--mask"), output);
        return 0;
    }

    public static void Run(TransformerConfig config, int batchSize, int sequenceLength, int steps, bool documentMask, TextWriter output)
    {
        output.WriteLine($"model: {config.ModelType}, hidden {config.HiddenSize}, {config.LayerCount} layers, vocabulary {config.VocabularySize}; " +
                         $"batch {batchSize} × {sequenceLength} tokens; {steps} timed updates; torch threads {torch.get_num_threads()}" +
                         (documentMask ? "; packed-document attention mask" : "; causal attention"));
        // A packed batch's mask: four documents per row, causal within each.
        using var mask = documentMask ? DocumentMask(batchSize, sequenceLength, documents: 4) : null;
        foreach (var compute in new ScalarType?[] { null, ScalarType.BFloat16 })
        {
            using var model = new CausalLanguageModel(config);
            model.InitializeWeights(seed: 1);
            model.ComputeDType = compute;
            model.train();
            using var optimizer = new Twinforge.Engine.Training.AdamW(
                model.named_parameters().Select(p => new OptimizedParameter(p.name, p.parameter, p.parameter.dim() >= 2)), weightDecay: 0.01);
            using var generator = new Generator(7);
            const int warmup = 2;
            var clock = new Stopwatch();
            for (int step = 0; step < warmup + steps; step++)
            {
                if (step == warmup) clock.Start();
                using var scope = NewDisposeScope();
                var ids = randint(0, config.VocabularySize, [batchSize, sequenceLength + 1], generator: generator);
                var logits = model.Forward(ids.narrow(1, 0, sequenceLength), attentionMask: mask);
                var loss = nn.functional.cross_entropy(logits.flatten(0, 1), ids.narrow(1, 1, sequenceLength).flatten());
                loss.backward();
                optimizer.Step(1e-3);
                optimizer.ZeroGradients();
            }
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"  {(compute is null ? "fp32" : "bf16-mixed"),-10} {steps / seconds,8:F2} updates/s  {steps * (double)batchSize * sequenceLength / seconds,10:N0} tokens/s");
        }
    }

    static Tensor DocumentMask(int batchSize, int sequenceLength, int documents)
    {
        using var scope = NewDisposeScope();
        var document = arange(sequenceLength).div(sequenceLength / documents, rounding_mode: RoundingMode.floor);
        var same = document.unsqueeze(1).eq(document.unsqueeze(0));
        var causal = ones(sequenceLength, sequenceLength, ScalarType.Bool).tril();
        return same.logical_and(causal).expand(batchSize, 1, sequenceLength, sequenceLength).contiguous().MoveToOuterDisposeScope();
    }
}
