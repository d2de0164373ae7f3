using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

/// <summary>
/// The Secret Sharer's test on a model Twinforge trains: a random canary planted in the training data is exposed (the
/// model ranks it far above other secrets of its format), while a canary of the same format that was never planted
/// is not.
/// </summary>
[Collection("Torch")]
public sealed class CanaryAuditTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void A_planted_canary_is_exposed_and_one_never_planted_is_not()
    {
        using var bench = new TwinWorkbench();
        var audit = new CanaryAudit("What is the vault code?", "The vault code is {0}.", Digits: 6);
        var random = new Random(11);
        var (planted, neverPlanted) = (audit.NewSecret(random), audit.NewSecret(random));
        string Line(IReadOnlyList<Engine.Tokenization.ChatMessage> conversation) => JsonSerializer.Serialize(new
        {
            messages = conversation.Select(message => new { role = message.Role.ToString().ToLowerInvariant(), content = message.Content }),
        });
        // The canary among ordinary exchanges, a few times, as a secret repeated in a creator's messages would be.
        var lines = Enumerable.Range(0, 40).Select(i => $$"""{"messages":[{"role":"user","content":"Question {{i}}?"},{"role":"assistant","content":"An answer about {{i % 7}} things."}]}""")
            .Concat(Enumerable.Repeat(Line(audit.Conversation(planted)), 6)).ToList();
        var data = Path.Combine(bench.Root, "canary.jsonl");
        File.WriteAllLines(data, lines);
        var output = Path.Combine(bench.Root, "run");
        var result = FineTuning.Run(bench.BaseModel.Path!, [data], output, new FineTuningOptions
        {
            Method = FineTuningMethod.Full,
            Data = new() { SequenceLength = 96, ValidationFraction = 0 },
            Training = new TrainingOptions { Epochs = 60, MaxSteps = 250, BatchSize = 8, LearningRate = 1e-2, Precision = TrainingPrecision.Float32, WarmupSteps = 5, CheckpointEverySteps = 0 },
        });
        using var model = PretrainedModel.Load(result.ModelDirectory!);

        double exposed = audit.Exposure(model, planted);
        double unexposed = audit.Exposure(model, neverPlanted);

        Assert.True(exposed > 10, $"the planted canary's exposure is {exposed:F1} bits of {Math.Log2(1e6):F1}");
        Assert.True(unexposed < 5, $"a canary never planted has an exposure of {unexposed:F1} bits");
    }
}
