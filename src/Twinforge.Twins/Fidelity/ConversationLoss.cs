using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// A model's loss on given conversations, encoded as training encodes them (the assistant's turns and end markers are
/// the targets) and without the data checks a creator's files get: the texts scored here are a model's own answers
/// or made-up candidates, which may hold anything a model can write.
/// </summary>
public static class ConversationLoss
{
    /// <summary>Per conversation, its summed loss and target count (its last <paramref name="sequenceLength"/> tokens scored).</summary>
    public static IReadOnlyList<ExampleLoss> Score(PretrainedModel model, IReadOnlyList<IReadOnlyList<ChatMessage>> conversations, int sequenceLength,
        int batchSize = 8)
    {
        var examples = conversations.Select((messages, index) =>
        {
            var (ids, trainable) = ChatEncoder.Encode(model.Tokenizer, messages, addGenerationPrompt: false);
            int skip = Math.Max(0, ids.Length - sequenceLength);
            return new TokenizedExample(ids[skip..], trainable[skip..], index);
        }).ToList();
        var packed = SequencePacker.For(model.Tokenizer, sequenceLength, packing: false).Pack(examples);
        var scored = new ExampleLoss[conversations.Count];
        foreach (var example in ExampleLoss.Score(model.Network, packed, batchSize)) scored[example.Example] = example;
        return scored.Select((example, index) => example ?? new ExampleLoss(index, double.NaN, 0)).ToList();
    }
}
