using TorchSharp;
using TorchSharp.Modules;
using Twinforge.Engine.Training;
using static TorchSharp.torch;
using AdamW = Twinforge.Engine.Training.AdamW;

namespace Twinforge.Engine.Tests.Training;

public sealed class AdamWTests
{
    /// <summary>Adam with decoupled weight decay on one scalar, in float64, from the paper's update rule.</summary>
    static double[] ReferenceTrajectory(double start, double[] gradients, double[] rates, double decay, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        double theta = start, m = 0, v = 0;
        var result = new double[gradients.Length];
        for (int t = 1; t <= gradients.Length; t++)
        {
            double g = gradients[t - 1], lr = rates[t - 1];
            theta *= 1 - lr * decay;
            m = beta1 * m + (1 - beta1) * g;
            v = beta2 * v + (1 - beta2) * g * g;
            double mHat = m / (1 - Math.Pow(beta1, t)), vHat = v / (1 - Math.Pow(beta2, t));
            theta -= lr * mHat / (Math.Sqrt(vHat) + epsilon);
            result[t - 1] = theta;
        }
        return result;
    }

    [Fact]
    public void Updates_follow_decoupled_adam_and_skip_decay_where_told()
    {
        double[] gradients = [0.5, -1.0, 0.25, 2.0, -0.1];
        double[] rates = [0.1, 0.05, 0.05, 0.02, 0.01];
        var decayed = new Parameter(tensor(new[] { 1.5 }, ScalarType.Float64));
        var undecayed = new Parameter(tensor(new[] { 1.5 }, ScalarType.Float64));
        using var optimizer = new AdamW([new OptimizedParameter("w", decayed, Decay: true), new OptimizedParameter("b", undecayed, Decay: false)], weightDecay: 0.1);

        for (int step = 0; step < gradients.Length; step++)
        {
            foreach (var p in new[] { decayed, undecayed })
            {
                p.grad?.Dispose();
                p.grad = tensor(new[] { gradients[step] }, ScalarType.Float64);
            }
            optimizer.Step(rates[step]);
            Assert.Equal(ReferenceTrajectory(1.5, gradients[..(step + 1)], rates, 0.1)[step], decayed.item<double>(), 6);
            Assert.Equal(ReferenceTrajectory(1.5, gradients[..(step + 1)], rates, 0.0)[step], undecayed.item<double>(), 6);
        }
        Assert.Equal(5, optimizer.StepCount);
    }

    [Fact]
    public void The_fused_float32_update_follows_the_reference_with_clipping_scale_and_zeroes_the_gradient()
    {
        // Over a parameter larger than one worker's chunk and not a multiple of the vector width, so the parallel
        // split and the scalar tail are both exercised.
        const int count = 3 * (1 << 16) + 5;
        var random = new Random(7);
        var start = Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var gradientSteps = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, count).Select(_ => random.NextDouble() * 4 - 2).ToArray()).ToArray();
        double[] rates = [0.01, 0.02, 0.005];
        double[] scales = [1.0, 0.25, 0.5];
        var parameter = new Parameter(tensor(start.Select(x => (float)x).ToArray()));
        using var optimizer = new AdamW([new OptimizedParameter("w", parameter, Decay: true)], weightDecay: 0.1);

        for (int step = 0; step < rates.Length; step++)
        {
            parameter.grad?.Dispose();
            parameter.grad = tensor(gradientSteps[step].Select(x => (float)x).ToArray());
            optimizer.Step(rates[step], gradientScale: scales[step], zeroGradients: true);
            using var gradient = parameter.grad;
            Assert.Equal(0, gradient!.abs().max().item<float>());
        }

        var actual = parameter.data<float>().ToArray();
        foreach (int i in new[] { 0, 1, 4097, 1 << 16, count - 6, count - 1 })
        {
            var scaled = gradientSteps.Select((g, step) => g[i] * scales[step]).ToArray();
            Assert.Equal(ReferenceTrajectory(start[i], scaled, rates, 0.1)[^1], actual[i], 5);
        }
    }

    [Fact]
    public void The_fused_update_equals_the_tensor_kernels_update_of_the_same_float64_values()
    {
        // A float64 parameter takes the unfused path; the same values in float32 take the fused one.
        var random = new Random(3);
        var start = Enumerable.Range(0, 1000).Select(_ => random.NextDouble()).ToArray();
        var fused = new Parameter(tensor(start.Select(x => (float)x).ToArray()));
        var reference = new Parameter(tensor(start.Select(x => (double)(float)x).ToArray()));
        using var fusedOptimizer = new AdamW([new OptimizedParameter("w", fused, true)], weightDecay: 0.05);
        using var referenceOptimizer = new AdamW([new OptimizedParameter("w", reference, true)], weightDecay: 0.05);
        for (int step = 0; step < 4; step++)
        {
            var gradient = Enumerable.Range(0, 1000).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            fused.grad?.Dispose();
            fused.grad = tensor(gradient);
            reference.grad?.Dispose();
            reference.grad = tensor(gradient.Select(x => (double)x).ToArray());
            fusedOptimizer.Step(0.01, gradientScale: 0.5);
            referenceOptimizer.Step(0.01, gradientScale: 0.5);
        }
        var a = fused.data<float>().ToArray();
        var b = reference.data<double>().ToArray();
        // The float64 parameter is only rounded once per step; float32 keeps a few ulps of its own rounding.
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 2e-6);
    }

    [Fact]
    public void State_bytes_for_parameters_equal_what_the_optimizer_allocates()
    {
        var matrix = new Parameter(zeros(3, 5));
        var vector = new Parameter(zeros(7, dtype: ScalarType.BFloat16)); // moments are float32 whatever the dtype
        using var optimizer = new AdamW([new OptimizedParameter("m", matrix, true), new OptimizedParameter("v", vector, false)]);

        Assert.Equal(optimizer.StateBytes, AdamW.StateBytesFor([matrix, vector]));
        Assert.Equal((15 + 7) * 2 * 4, optimizer.StateBytes);
    }

    [Fact]
    public void Restored_state_continues_exactly()
    {
        Parameter Make() => new(tensor(new float[] { 1f, -2f, 3f }));
        var gradients = new[] { new float[] { 0.1f, 0.2f, -0.3f }, new float[] { -0.5f, 0.0f, 0.7f }, new float[] { 1f, 1f, 1f } };
        void Feed(Parameter p, float[] g) { p.grad?.Dispose(); p.grad = tensor(g); }

        var straight = Make();
        using var straightOptimizer = new AdamW([new OptimizedParameter("p", straight, true)], weightDecay: 0.01);
        foreach (var g in gradients) { Feed(straight, g); straightOptimizer.Step(0.01); }

        var first = Make();
        using var firstOptimizer = new AdamW([new OptimizedParameter("p", first, true)], weightDecay: 0.01);
        Feed(first, gradients[0]); firstOptimizer.Step(0.01);
        var saved = firstOptimizer.StateTensors().ToDictionary(pair => pair.Key, pair => pair.Value.clone());

        var resumed = new Parameter(first.detach().clone());
        using var resumedOptimizer = new AdamW([new OptimizedParameter("p", resumed, true)], weightDecay: 0.01);
        resumedOptimizer.RestoreState(firstOptimizer.StepCount, (name, destination) =>
        {
            if (!saved.TryGetValue(name, out var stored)) return false;
            destination.copy_(stored);
            return true;
        });
        foreach (var g in gradients[1..]) { Feed(resumed, g); resumedOptimizer.Step(0.01); }

        Assert.True(straight.bytes.SequenceEqual(resumed.bytes));
    }
}
