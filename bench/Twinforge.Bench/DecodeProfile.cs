using Twinforge.Engine.Generation;
using System.Diagnostics;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// <c>twinforge-bench decode-profile [fp32|bf16]</c>: where a single-stream decoding step of GPT-2 124M spends its
/// time. Times the whole cached one-token forward pass, then the same step's matrix-vector products alone (each
/// layer's four projections in GPT-2's Conv1D layout, in the transposed nn.Linear layout and through
/// <see cref="MatrixVectorKernel"/> over that layout, as an <see cref="InferenceSession"/> runs them; and the
/// 50257-wide head through libtorch and the kernel), so the rest (norms, attention, dispatch) is the difference.
/// </summary>
public static class DecodeProfile
{
    public const string Usage = "decode-profile [fp32|bf16]   (where a GPT-2 124M decoding step's time goes)";

    public static int RunCommand(string[] args, TextWriter output)
    {
        var dtype = args.FirstOrDefault() == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        var config = TransformerConfig.Gpt2();
        using var model = new CausalLanguageModel(config, dtype);
        model.InitializeWeights(seed: 1);
        model.eval();
        using var noGrad = no_grad();

        double stepMs, prepareMs;
        var watch = Stopwatch.StartNew();
        using (var session = new InferenceSession(model))
        {
            prepareMs = watch.Elapsed.TotalMilliseconds;
            session.Start(batchSize: 1, capacity: 256);
            using (NewDisposeScope()) session.Forward(randint(0, config.VocabularySize, [1, 64]), lastPositionOnly: true);
            stepMs = ProfileTimer.MedianMs(64, () => GreedyChoice.PerRow(session.Forward(tensor(new long[] { 42 }).unsqueeze(0), lastPositionOnly: true)));
        }

        var x = randn([1, config.HiddenSize], dtype: dtype);
        var hidden = x.unsqueeze(0);
        // Every layer's own weights, as in the model: one matrix used over and over would stay in the CPU's cache.
        var shapes = new (long In, long Out)[] { (768, 2304), (768, 768), (768, 3072), (3072, 768) };
        var layers = Enumerable.Range(0, (int)config.LayerCount).SelectMany(_ => shapes.Select(shape =>
            (Input: randn([1, 1, shape.In], dtype: dtype), Conv: randn([shape.In, shape.Out], dtype: dtype)))).ToList();
        var transposed = layers.Select(layer => layer.Conv.t().contiguous()).ToList();
        double conv1d = ProfileTimer.MedianMs(30, () => layers.Select(layer => layer.Input.matmul(layer.Conv)).ToList());
        double linear = ProfileTimer.MedianMs(30, () => layers.Select((layer, i) => nn.functional.linear(layer.Input, transposed[i])).ToList());
        using var head = randn([config.VocabularySize, config.HiddenSize], dtype: dtype);
        double headMs = ProfileTimer.MedianMs(50, () => nn.functional.linear(hidden, head));
        double kernel = ProfileTimer.MedianMs(30, () => layers.Select((layer, i) => MatrixVectorKernel.Multiply(layer.Input, transposed[i], null)).ToList());
        double headKernel = ProfileTimer.MedianMs(50, () => MatrixVectorKernel.Multiply(hidden, head, null));

        output.WriteLine($"GPT-2 124M single-stream decoding step, {dtype}, 2 threads");
        output.WriteLine($"  whole step (forward + greedy choice):     {stepMs,7:F2} ms  = {1000 / stepMs,6:F1} tok/s" +
                         $" (inference session's fused one-token step, its copies made once in {prepareMs:F1} ms)");
        output.WriteLine($"  projections in the stored layout (x·W):   {conv1d,7:F2} ms  (as the plain model runs them)");
        output.WriteLine($"  the same as nn.Linear (W·x, transposed):  {linear,7:F2} ms");
        output.WriteLine($"  the same through MatrixVectorKernel:      {kernel,7:F2} ms  (as the session runs them)");
        output.WriteLine($"  head 768 → 50257:                         {headMs,7:F2} ms");
        output.WriteLine($"  head through MatrixVectorKernel:          {headKernel,7:F2} ms  (as the session runs it)");
        output.WriteLine($"  the rest (norms, attention, dispatch):    {stepMs - kernel - headKernel,7:F2} ms  (the step less the kernel's products made one by one)");
        return 0;
    }
}
