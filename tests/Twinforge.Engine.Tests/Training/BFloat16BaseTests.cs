using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using static Twinforge.Engine.Tests.Training.TrainingTesting;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Training;

/// <summary>
/// LoRA over a bfloat16 base multiplied in float32 (what a machine without fast bf16 products does): the frozen
/// weights stay bfloat16 and no float32 copy of them lives for longer than one block's products. Memory is the C heap's
/// bytes in use (tensors included; <see cref="NativeHeap.BytesInUse"/>) sampled every millisecond while the work runs:
/// unlike the resident size, it is not blurred by freed memory the heap keeps.
/// </summary>
[Collection("Torch")]
public sealed class BFloat16BaseTests
{
    // 8 layers of 512 wide over a 2,048-token vocabulary: 25 M parameters, whose float32 copy (100 MB) stands well
    // clear of one block's upcast weights (12 MB) and the step's activations.
    static TransformerConfig Base() => TransformerConfig.Llama(vocabularySize: 2048, hiddenSize: 512, layerCount: 8, headCount: 8,
        keyValueHeadCount: 2, intermediateSize: 1536, maxPositions: 128, tieWordEmbeddings: true, modelType: "qwen2");

    static CausalLanguageModel AdaptedBFloat16Base()
    {
        var model = new CausalLanguageModel(Base(), ScalarType.BFloat16);
        model.InitializeWeights(seed: 5);
        LoraInjector.Apply(model, new LoraConfig { Rank = 4, TargetModules = LoraConfig.DefaultTargets(model.Config.Family) }, seed: 1);
        return model;
    }

    static long Float32CopyBytes(CausalLanguageModel model) =>
        model.parameters().Where(p => !p.requires_grad).Sum(p => p.numel()) * 4;

    [Fact]
    public void Frozen_base_is_bfloat16_and_only_the_adapters_are_float32()
    {
        using var model = AdaptedBFloat16Base();
        var bytesByDType = model.parameters().GroupBy(p => p.dtype).ToDictionary(g => g.Key, g => g.Sum(p => p.numel() * p.ElementSize));
        Assert.Equal(new[] { ScalarType.BFloat16, ScalarType.Float32 }.Order(), bytesByDType.Keys.Order());
        Assert.All(model.parameters().Where(p => p.dtype == ScalarType.Float32), p => Assert.True(p.requires_grad));
        Assert.All(model.parameters().Where(p => p.dtype == ScalarType.BFloat16), p => Assert.False(p.requires_grad));
        Assert.Equal(model.parameters().Where(p => !p.requires_grad).Sum(p => p.numel()) * 2, bytesByDType[ScalarType.BFloat16]);
        Assert.Empty(model.buffers());
    }

    [Fact]
    public void Lora_step_on_a_bfloat16_base_in_float32_products_peaks_below_a_float32_copy_of_the_base()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(16), sequenceLength: 64);
        using var model = AdaptedBFloat16Base();
        // The run before the measured one brings JIT-compiled code, libtorch's kernels and the heap to their steady state.
        new Trainer(model, data, Options with { MaxSteps = 1 }, directory.Sub("warm-up")).Run();
        TrainingResult result;
        long growth;
        using (var heap = new HeapPeak())
        {
            result = new Trainer(model, data, Options with { MaxSteps = 2 }, directory.Sub("measured")).Run();
            growth = heap.Growth;
        }

        Assert.Equal(ScalarType.Float32, PrecisionChoice.ComputeDType(result.Precision));
        Assert.True(double.IsFinite(result.TrainLosses[^1]));
        long copy = Float32CopyBytes(model);
        Assert.True(growth < copy / 2, $"training raised the heap's bytes in use by up to {growth >> 20} MB; a float32 copy of the frozen base is {copy >> 20} MB");
    }

    [Fact]
    public void Decoding_a_bfloat16_base_in_float32_keeps_no_float32_copy_and_matches_the_full_forward_pass()
    {
        using var model = AdaptedBFloat16Base();
        model.ComputeDType = ScalarType.Float32;
        model.eval();
        var prompt = tensor(Enumerable.Range(0, 24).Select(i => (long)(i * 37 % 2048)).ToArray(), [1, 24]);
        using var noGrad = no_grad();
        using var expected = model.Forward(prompt);

        var heap = new HeapPeak();
        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: 32);
        using var promptLogits = session.Forward(prompt.narrow(1, 0, 23));
        using var lastLogits = session.Forward(prompt.narrow(1, 23, 1)); // one row: the matrix-vector kernel over bf16 weights
        long growth = heap.Growth;
        heap.Dispose();

        Assert.Equal(ScalarType.Float32, lastLogits.dtype);
        Assert.True(allclose(expected.narrow(1, 0, 23), promptLogits, rtol: 1e-4, atol: 1e-4), "the prompt's logits differ from the full forward pass");
        Assert.True(allclose(expected.narrow(1, 23, 1), lastLogits, rtol: 1e-4, atol: 1e-4), "the decoded token's logits differ from the full forward pass");
        long copy = Float32CopyBytes(model);
        Assert.True(growth < copy / 2, $"decoding raised the heap's bytes in use by up to {growth >> 20} MB; a float32 copy of the base is {copy >> 20} MB");
    }

    /// <summary>The largest rise of the C heap's bytes in use over its level at creation, sampled every millisecond on a thread of its own.</summary>
    sealed class HeapPeak : IDisposable
    {
        readonly long start = NativeHeap.BytesInUse();
        readonly Thread sampler;
        long peak;
        volatile bool stopped;

        public HeapPeak()
        {
            peak = start;
            sampler = new Thread(() =>
            {
                while (!stopped)
                {
                    Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), NativeHeap.BytesInUse()));
                    Thread.Sleep(1);
                }
            }) { IsBackground = true };
            sampler.Start();
        }

        /// <summary>The peak so far (a last sample taken now) minus the level at creation.</summary>
        public long Growth => Math.Max(Interlocked.Read(ref peak), NativeHeap.BytesInUse()) - start;

        public void Dispose()
        {
            stopped = true;
            sampler.Join();
        }
    }
}
