using TorchSharp;
using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Training;
using static TorchSharp.torch;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

[Collection("Torch")]
public sealed class LanguageModelLossTests
{
    [Fact]
    public void The_loss_counts_assistant_tokens_only()
    {
        using var directory = new TemporaryDirectory();
        var line = DataTesting.Chat(("system", "Be brief."), ("user", "Hi there"), ("assistant", "Hello!"), ("user", "Bye"), ("assistant", "Ciao"));
        var data = Prepare(directory, [line], packing: false, sequenceLength: 96);
        var expected = DataTesting.ChatMl(("system", "Be brief.", false), ("user", "Hi there", false), ("assistant", "Hello!", true),
            ("user", "Bye", false), ("assistant", "Ciao", true));
        using var model = Model();
        model.eval();
        using var batch = BatchIterator.InOrder(data.Train!, 1).Single();

        var (summed, targets) = LanguageModelLoss.Compute(model, batch);

        // Independently: −log p(next token) summed over the positions whose next token is assistant content or its end marker.
        using var logProbabilities = nn.functional.log_softmax(model.forward(batch.InputIds).squeeze(0), -1);
        double reference = 0;
        int counted = 0;
        for (int t = 0; t + 1 < expected.Ids.Length; t++)
        {
            if (!expected.Trainable[t + 1]) continue;
            reference -= logProbabilities[t, expected.Ids[t + 1]].item<float>();
            counted++;
        }
        Assert.Equal("Hello!".Length + 1 + "Ciao".Length + 1, counted);
        Assert.Equal(counted, targets);
        Assert.Equal(reference, summed.item<float>(), 3);
        summed.Dispose();
    }

    [Fact]
    public void Evaluation_reports_loss_perplexity_and_accuracy_over_target_tokens()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(4));
        using var model = Model();
        var evaluation = Evaluation.Run(model, data.Train!, batchSize: 3);

        Assert.Equal(data.Train!.TrainableTargets, evaluation.Targets);
        Assert.Equal(Math.Exp(evaluation.Loss), evaluation.Perplexity, 9);
        // An untrained model over 260 symbols: loss near ln 260, accuracy near chance.
        Assert.InRange(evaluation.Loss, Math.Log(260) - 0.5, Math.Log(260) + 0.5);
        Assert.InRange(evaluation.TokenAccuracy, 0, 0.2);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Chunked_evaluation_gives_the_loss_and_accuracy_of_whole_logits(string family)
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = ModelToTest(family, lora: false, loraDropout: 0);
        model.eval();
        // The reference: each batch's whole (rows × vocabulary) logits at once, as evaluation computed them before.
        double summedLoss = 0;
        long correct = 0, targets = 0;
        foreach (var batch in BatchIterator.InOrder(data.Train!, 3))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var logits = model.Forward(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask)
                    .flatten(0, 1).to(ScalarType.Float32);
                var labels = batch.Labels.flatten();
                var isTarget = labels.ne(PackedSequence.IgnoredLabel);
                summedLoss += nn.functional.cross_entropy(logits, labels, ignore_index: PackedSequence.IgnoredLabel, reduction: nn.Reduction.Sum)
                    .to(ScalarType.Float64).item<double>();
                correct += logits.argmax(-1).eq(labels).logical_and(isTarget).sum().item<long>();
                targets += isTarget.sum().item<long>();
            }
        }

        var chunked = Evaluation.Run(model, data.Train!, batchSize: 3, rowsPerChunk: 7); // 3 × 64 positions: 28 chunks a batch

        Assert.Equal(targets, chunked.Targets);
        Assert.Equal(summedLoss / targets, chunked.Loss, summedLoss / targets * 1e-6);
        Assert.Equal(correct / (double)targets, chunked.TokenAccuracy);
    }
    [Theory]
    [InlineData("gpt2", false, false)]
    [InlineData("llama", false, false)]
    [InlineData("gpt2", true, true)]
    [InlineData("llama", true, false)]
    [InlineData("llama", false, true)]
    public void Chunked_backward_gives_the_loss_and_gradients_of_one_whole_backward(string family, bool lora, bool bfloat16)
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = ModelToTest(family, lora, loraDropout: 0);
        if (bfloat16) model.ComputeDType = ScalarType.BFloat16;
        using var batch = BatchIterator.InOrder(data.Train!, 2).First();
        const double scale = 1.0 / 37;
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();

        Dictionary<string, Tensor> Gradients() => trainable.ToDictionary(p => p.name, p =>
        {
            using var gradient = p.parameter.grad!;
            var copy = gradient.clone();
            gradient.zero_();
            return copy;
        });

        var (whole, _) = LanguageModelLoss.Compute(model, batch);
        whole.mul(scale).backward();
        double wholeLoss = whole.item<float>();
        var wholeGradients = Gradients();

        using var chunked = LanguageModelLoss.Backward(model, batch, scale, rowsPerChunk: 7); // 128 positions: 19 chunks
        var chunkedGradients = Gradients();

        Assert.Equal(ScalarType.Float64, chunked.dtype);
        Assert.Equal(wholeLoss, chunked.item<double>(), wholeLoss * 1e-5);
        double tolerance = bfloat16 ? 2e-2 : 1e-4; // bf16 products may round differently at another row count
        foreach (var (name, expected) in wholeGradients)
        {
            double scaleOfGradient = expected.abs().max().item<float>() + 1e-12;
            double difference = (chunkedGradients[name] - expected).abs().max().item<float>();
            Assert.True(difference <= tolerance * scaleOfGradient, $"{name}: max difference {difference} against {scaleOfGradient}");
        }
        whole.Dispose();
    }

    [Theory]
    [InlineData("gpt2", false, false)]
    [InlineData("gpt2", true, true)]
    [InlineData("llama", true, false)]
    [InlineData("llama", false, true)]
    public void Checkpointed_backward_gives_the_gradients_of_an_ordinary_backward_with_the_same_dropout(string family, bool lora, bool bfloat16)
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = ModelToTest(family, lora, loraDropout: 0.3);
        if (bfloat16) model.ComputeDType = ScalarType.BFloat16;
        model.SetDropout(0.2); // dropout everywhere: the recomputation must draw the masks the first pass drew
        model.train();
        using var batch = BatchIterator.InOrder(data.Train!, 2).First();
        const double scale = 1.0 / 37;
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();

        (double Loss, Dictionary<string, Tensor> Gradients, byte[] NextRandom) Run(bool checkpoint)
        {
            model.Randomness.Seed(5);
            using var loss = LanguageModelLoss.Backward(model, batch, scale, rowsPerChunk: 16, checkpointActivations: checkpoint);
            var gradients = trainable.ToDictionary(p => p.name, p =>
            {
                using var gradient = p.parameter.grad!;
                var copy = gradient.clone();
                gradient.zero_();
                return copy;
            });
            return (loss.item<double>(), gradients, model.Randomness.SaveState()); // where the generator was left
        }

        var ordinary = Run(checkpoint: false);
        var checkpointed = Run(checkpoint: true);

        Assert.Equal(ordinary.Loss, checkpointed.Loss, Math.Abs(ordinary.Loss) * 1e-6);
        Assert.Equal(ordinary.NextRandom, checkpointed.NextRandom);
        Assert.Equal(ordinary.Gradients.Keys.Order(), checkpointed.Gradients.Keys.Order());
        double tolerance = bfloat16 ? 1e-2 : 1e-5;
        foreach (var (name, expected) in ordinary.Gradients)
        {
            double scaleOfGradient = expected.abs().max().item<float>() + 1e-12;
            double difference = (checkpointed.Gradients[name] - expected).abs().max().item<float>();
            Assert.True(difference <= tolerance * scaleOfGradient, $"{name}: max difference {difference} against {scaleOfGradient}");
        }
    }

    /// <summary>A tiny model of the family, with LoRA adapters whose B factors are non-zero (so their gradients are not trivial).</summary>
    static Twinforge.Engine.Models.CausalLanguageModel ModelToTest(string family, bool lora, double loraDropout)
    {
        var config = family == "gpt2" ? Gpt2() : Llama();
        var model = Model(config);
        if (!lora) return model;
        LoraInjector.Apply(model, new LoraConfig { Rank = 4, Dropout = loraDropout, TargetModules = LoraConfig.DefaultTargets(config.Family) }, seed: 3);
        using (no_grad())
            foreach (var (_, parameter) in model.named_parameters().Where(p => p.name.Contains("lora_B"))) parameter.normal_(0, 0.05);
        return model;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Repeated_backward_passes_leave_no_tensor_alive(bool checkpoint)
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = ModelToTest("gpt2", lora: true, loraDropout: 0.1);
        model.train();
        using var batch = BatchIterator.InOrder(data.Train!, 2).First();
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        void Step()
        {
            using var scope = NewDisposeScope(); // in-place ops hand back new handles: the scope takes them
            using var loss = LanguageModelLoss.Backward(model, batch, 1.0 / 37, rowsPerChunk: 16, checkpointActivations: checkpoint);
            foreach (var parameter in trainable)
            {
                using var gradient = parameter.grad;
                gradient?.zero_();
            }
        }
        Step(); // the gradients are allocated once, by the first backward
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) Step();

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
