using Twinforge.Engine.Data;
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
}
