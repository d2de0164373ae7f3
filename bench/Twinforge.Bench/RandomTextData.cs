using System.Text;
using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Bench;

/// <summary>
/// Training data of random letters for throughput runs: one paragraph that the byte-level tokenizer turns into one
/// token per letter, split into full sequences (no packing, so plain causal attention, as llm.c trains). Its token
/// ids are below 257, so it fits any model's vocabulary.
/// </summary>
public static class RandomTextData
{
    /// <summary>Enough sequences of <paramref name="sequenceLength"/> for <paramref name="batches"/> batches of <paramref name="batchSize"/>.</summary>
    public static TrainingData Prepare(string directory, int batches, int batchSize, int sequenceLength)
    {
        var textFile = Path.Combine(directory, "random.txt");
        WriteRandomText(textFile, characters: (batches * batchSize + 1) * sequenceLength, seed: 1);
        var data = TrainingData.Prepare([textFile], new ByteLevelTokenizer(), new TrainingDataOptions
        {
            SequenceLength = sequenceLength, Format = DatasetFormat.PlainText, Overlong = OverlongPolicy.Split,
            Packing = false, ValidationFraction = 0, Seed = 1,
        });
        data.ThrowIfInvalid();
        return data;
    }

    static void WriteRandomText(string path, int characters, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(characters);
        for (int i = 0; i < characters; i++) text.Append(random.Next(6) == 0 ? ' ' : (char)('a' + random.Next(26)));
        text[0] = 'a'; // a paragraph starts with a letter
        Twinforge.Storage.AtomicFile.WriteAllText(path, text.ToString());
    }
}
