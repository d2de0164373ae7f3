using Twinforge.Engine.Data;
using Twinforge.Engine.Training;
using static TorchSharp.torch;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

/// <summary>One optimizer update alone: it changes the weights and says so, and a skipped one changes neither.</summary>
[Collection("Torch")]
public sealed class TrainingStepTests
{
    [Fact]
    public void An_update_changes_the_weights_moves_the_weights_version_and_leaves_no_gradient()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(4));
        using var model = Model();
        model.train();
        var trainable = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var step = new TrainingStep(model, trainable, Options);
        var batches = BatchIterator.InOrder(data.Train!, 2).Take(2).ToList();
        var before = Snapshot(model);
        long version = model.WeightsVersion;

        var outcome = step.Take(batches, learningRate: 1e-3);

        Assert.Equal(StepKind.Updated, outcome.Kind);
        Assert.True(double.IsFinite(outcome.Loss) && outcome.Loss > 0);
        Assert.Equal(batches.Sum(b => b.InputIds.numel()), outcome.Tokens);
        Assert.True(model.WeightsVersion > version);
        var after = Snapshot(model);
        Assert.Contains(before, entry => !entry.Value.AsSpan().SequenceEqual(after[entry.Key]));
        using (no_grad())
            Assert.All(trainable, p => Assert.True(p.parameter.grad is null || p.parameter.grad.count_nonzero().item<long>() == 0, $"{p.name} keeps a gradient"));
        foreach (var batch in batches) batch.Dispose();
    }

    [Fact]
    public void A_non_finite_window_is_skipped_without_touching_the_weights_or_their_version()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(4));
        using var model = Model();
        model.train();
        var poisoned = model.named_parameters().First(p => p.name.EndsWith("mlp.up_proj.weight")).parameter;
        using (no_grad()) poisoned[0, 0] = tensor(float.NaN);
        var trainable = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var step = new TrainingStep(model, trainable, Options);
        var batches = BatchIterator.InOrder(data.Train!, 2).Take(1).ToList();
        var before = Snapshot(model);
        long version = model.WeightsVersion;

        var outcome = step.Take(batches, learningRate: 1e-3);

        Assert.Equal(StepKind.NonFinite, outcome.Kind);
        Assert.Equal("the loss is not finite", outcome.Reason);
        Assert.Equal(version, model.WeightsVersion);
        AssertIdentical(before, Snapshot(model));
        foreach (var batch in batches) batch.Dispose();
    }
}
