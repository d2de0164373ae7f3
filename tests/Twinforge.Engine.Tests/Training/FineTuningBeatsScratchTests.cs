using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

/// <summary>
/// The product's central claim on a synthetic task small enough for a test: a model pre-trained on general text in
/// a language, fine-tuned on a handful of one creator's sentences, predicts that creator's held-out sentences
/// better than the same architecture trained from scratch on the same handful with the same budget.
/// </summary>
[Collection("Torch")]
public sealed class FineTuningBeatsScratchTests
{
    static readonly string[] Subjects = ["the cat", "a dog", "my friend", "the teacher", "our neighbour", "the farmer", "a child", "the baker"];
    static readonly string[] Verbs = ["sees", "likes", "finds", "paints", "carries", "wants", "follows", "cleans"];
    static readonly string[] Objects = ["the red ball", "a small boat", "the old house", "a green apple", "the long road", "a warm coat"];

    /// <summary>General text: many plain sentences of the little language, as plain-text documents.</summary>
    static string[] GeneralCorpus(int count)
    {
        var random = new Random(1);
        return Enumerable.Range(0, count)
            .SelectMany(_ => new[] { $"{Pick(random, Subjects)} {Pick(random, Verbs)} {Pick(random, Objects)}.", "" })
            .ToArray();
    }

    /// <summary>The creator: the same language in their own frame, "Honestly, X, my dear."</summary>
    static string[] CreatorExchanges(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
            DataTesting.Exchange("Tell me something.", $"Honestly, {Pick(random, Subjects)} {Pick(random, Verbs)} {Pick(random, Objects)}, my dear.")).ToArray();
    }

    static string Pick(Random random, string[] options) => options[random.Next(options.Length)];

    [Fact]
    [Trait("Category", "Slow")] // about 40 s: a pre-training and two fine-tuning runs
    public void Fine_tuning_a_pre_trained_model_on_a_handful_beats_training_from_scratch_on_it()
    {
        using var directory = new TemporaryDirectory();
        var basePath = directory.Sub("base");
        using (var fresh = new PretrainedModel(Model(Llama()), new ByteLevelTokenizer())) fresh.Save(basePath);
        var general = directory.Write("general.txt", GeneralCorpus(400));
        var pretrained = FineTuning.Run(basePath, [general], directory.Sub("pretrain"), new FineTuningOptions
        {
            Method = FineTuningMethod.FromScratch,
            Data = new() { SequenceLength = 64, ValidationFraction = 0, Seed = 1 },
            Training = Options with { MaxSteps = 150, BatchSize = 8, LearningRate = 1e-2 },
        });

        var handful = directory.Write("creator.jsonl", CreatorExchanges(8, seed: 2));
        var heldOut = directory.Write("held-out.jsonl", CreatorExchanges(24, seed: 3));
        FineTuningResult Train(string start, FineTuningMethod method, string name) => FineTuning.Run(start, [handful], directory.Sub(name), new FineTuningOptions
        {
            Method = method,
            Data = new() { SequenceLength = 128, ValidationFile = heldOut, Seed = 1 },
            Training = Options with { MaxSteps = 40, BatchSize = 4, LearningRate = 5e-3, EvaluateEverySteps = 10, EarlyStoppingPatience = 10 },
        });

        var fineTuned = Train(pretrained.ModelDirectory!, FineTuningMethod.Full, "fine-tuned");
        var fromScratch = Train(pretrained.ModelDirectory!, FineTuningMethod.FromScratch, "from-scratch");

        double tuned = fineTuned.Training.Best!.Loss, scratch = fromScratch.Training.Best!.Loss;
        Assert.True(tuned < scratch - 0.3, $"held-out loss fine-tuned {tuned:F3} against from scratch {scratch:F3}");
    }
}
