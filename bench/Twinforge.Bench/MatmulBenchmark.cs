using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// A BenchmarkDotNet benchmark of one matrix product through libtorch, for each shape the plan lists and each dtype.
/// The operands are made once per case; each invocation is one product whose result is disposed at once.
/// Subclasses only choose the shapes (BenchmarkDotNet builds the instances itself, so the choice is a type).
/// </summary>
public abstract class MatmulBenchmark
{
    Tensor? left;
    Tensor? right;

    public abstract IEnumerable<MatmulShape> Shapes { get; }

    [ParamsSource(nameof(Shapes))]
    public MatmulShape Shape { get; set; } = null!;

    [Params(ScalarType.Float32, ScalarType.BFloat16)]
    public ScalarType DType { get; set; }

    [GlobalSetup]
    public void CreateOperands()
    {
        using var generator = new Generator(1);
        left = randn([Shape.M, Shape.K], generator: generator).to(DType);
        right = (Shape.WeightTransposed ? randn([Shape.N, Shape.K], generator: generator) : randn([Shape.K, Shape.N], generator: generator)).to(DType);
    }

    [Benchmark]
    public void Multiply()
    {
        using var noGrad = no_grad();
        using var product = Shape.WeightTransposed ? nn.functional.linear(left!, right!) : left!.matmul(right!);
    }

    [GlobalCleanup]
    public void DisposeOperands()
    {
        left?.Dispose();
        right?.Dispose();
    }
}

/// <summary>The products of GPT-2 124M training at batch 4×64 and 8×256.</summary>
public class FullSizeMatmuls : MatmulBenchmark
{
    public override IEnumerable<MatmulShape> Shapes => BenchPlan.Full.MatmulShapes();
}

/// <summary>The tiny model's products (quick mode).</summary>
public class QuickMatmuls : MatmulBenchmark
{
    public override IEnumerable<MatmulShape> Shapes => BenchPlan.QuickCheck.MatmulShapes();
}
