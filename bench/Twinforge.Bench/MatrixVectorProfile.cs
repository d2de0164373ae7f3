using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// <c>twinforge-bench matvec-profile [fp32|bf16]</c>: one-row products at GPT-2 124M's decoding shapes through
/// libtorch and through <see cref="MatrixVectorKernel"/> (on all cores and on one), with the rate each reads the
/// weights at, and a plain two-thread sum over the same memory as the bandwidth reference.
/// </summary>
public static class MatrixVectorProfile
{
    public const string Usage = "matvec-profile [fp32|bf16]   (one-row products: libtorch against the C# kernel)";

    public static int RunCommand(string[] args, TextWriter output)
    {
        var dtype = args.FirstOrDefault() == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        using var noGrad = no_grad();
        var config = TransformerConfig.Gpt2();
        var shapes = new (long In, long Out)[] { (768, 2304), (768, 768), (768, 3072), (3072, 768) };
        // Every layer's own weights, as in the model: one matrix used over and over would stay in the CPU's cache.
        var layers = Enumerable.Range(0, (int)config.LayerCount).SelectMany(_ => shapes.Select(shape =>
            (Input: randn([1, 1, shape.In], dtype: dtype), Weight: randn([shape.Out, shape.In], dtype: dtype)))).ToList();
        using var head = randn([config.VocabularySize, config.HiddenSize], dtype: dtype);
        using var hidden = randn([1, 1, config.HiddenSize], dtype: dtype);
        double layerBytes = layers.Sum(layer => (double)layer.Weight.numel() * layer.Weight.element_size());
        double headBytes = (double)head.numel() * head.element_size();

        output.WriteLine($"one-row products, {dtype}, {Environment.ProcessorCount} cores; 48 layer projections ({layerBytes / 1e6:F0} MB) and the head ({headBytes / 1e6:F0} MB)");
        Row(output, "libtorch nn.functional.linear", layerBytes, headBytes,
            ProfileTimer.MedianMs(30, () => layers.Select(layer => nn.functional.linear(layer.Input, layer.Weight)).ToList()),
            ProfileTimer.MedianMs(50, () => nn.functional.linear(hidden, head)));
        foreach (bool parallel in new[] { true, false })
            Row(output, parallel ? "MatrixVectorKernel, all cores" : "MatrixVectorKernel, one core", layerBytes, headBytes,
                ProfileTimer.MedianMs(30, () => layers.Select(layer => MatrixVectorKernel.Multiply(layer.Input, layer.Weight, null, parallel)).ToList()),
                ProfileTimer.MedianMs(50, () => MatrixVectorKernel.Multiply(hidden, head, null, parallel)));
        Row(output, "libtorch sum (reads only)", layerBytes, headBytes,
            ProfileTimer.MedianMs(30, () => layers.Select(layer => layer.Weight.sum()).ToList()),
            ProfileTimer.MedianMs(50, () => head.sum()));
        foreach (var layer in layers)
        {
            layer.Input.Dispose();
            layer.Weight.Dispose();
        }
        return 0;
    }

    static void Row(TextWriter output, string name, double layerBytes, double headBytes, double layerMs, double headMs) =>
        output.WriteLine($"  {name,-32} layers {layerMs,6:F2} ms ({layerBytes / layerMs / 1e6,5:F1} GB/s)   head {headMs,5:F2} ms ({headBytes / headMs / 1e6,5:F1} GB/s)");
}
