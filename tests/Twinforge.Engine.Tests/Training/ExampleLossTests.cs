using Twinforge.Engine.Data;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Training;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

[Collection("Torch")]
public sealed class ExampleLossTests
{
    [Fact]
    public void Per_example_losses_add_up_to_the_evaluation_of_packed_sequences()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(7), sequenceLength: 256);
        using var model = Model();
        model.train();

        var documents = ExampleLoss.Score(model, data.Train!, batchSize: 2);
        var evaluation = Evaluation.Run(model, data.Train!, batchSize: 3);

        Assert.True(model.training); // its mode restored
        Assert.Equal(7, documents.Count);
        Assert.True(data.Train!.Sequences.Any(sequence => sequence.Examples.Count > 1), "the test wants documents packed together");
        Assert.Equal(evaluation.Targets, documents.Sum(document => document.Targets));
        Assert.Equal(evaluation.Loss, documents.Sum(document => document.SummedLoss) / documents.Sum(document => document.Targets), 1e-5);
        Assert.Equal(Enumerable.Range(0, 7), documents.Select(document => document.Example));
    }

    [Fact]
    public void An_example_alone_scores_as_it_does_packed_with_others()
    {
        using var directory = new TemporaryDirectory();
        using var model = Model();
        var packedData = Prepare(directory, Exchanges(5), sequenceLength: 256).Train!;
        Assert.True(packedData.Count < 5);
        var packed = ExampleLoss.Score(model, packedData, batchSize: 4);
        using var other = new TemporaryDirectory();
        var alone = ExampleLoss.Score(model, Prepare(other, Exchanges(5), sequenceLength: 256, packing: false).Train!, batchSize: 1);

        Assert.Equal(alone.Count, packed.Count);
        foreach (var (a, b) in alone.Zip(packed))
        {
            Assert.Equal(a.Targets, b.Targets);
            Assert.Equal(a.Loss, b.Loss, 1e-4); // a document mask and positions from 0 keep packed examples apart
        }
    }
}
