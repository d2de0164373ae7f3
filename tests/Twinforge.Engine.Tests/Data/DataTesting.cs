using System.Text;
using System.Text.Json;
using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Data;

/// <summary>
/// The byte-level tokenizer (ids 0..255 are bytes, 256 &lt;|endoftext|&gt; = eos, 257 &lt;|pad|&gt;, 258 &lt;|im_start|&gt;,
/// 259 &lt;|im_end|&gt;, ChatML) makes every expectation a matter of spelling out bytes.
/// </summary>
internal static class DataTesting
{
    public const int Eos = 256, Pad = 257, ImStart = 258, ImEnd = 259;
    public const int Ignored = PackedSequence.IgnoredLabel;

    public static readonly ByteLevelTokenizer Tokenizer = new();

    public static int[] Bytes(string text) => Encoding.UTF8.GetBytes(text).Select(value => (int)value).ToArray();

    /// <summary>A chat line; a message is (role, content) or (role, content, weight).</summary>
    public static string Chat(params (string Role, string Content)[] messages) =>
        JsonSerializer.Serialize(new { messages = messages.Select(message => new { role = message.Role, content = message.Content }) });

    public static string PromptCompletion(string prompt, string completion) =>
        JsonSerializer.Serialize(new { prompt, completion });

    /// <summary>A chat line of one user question and one answer.</summary>
    public static string Exchange(string question, string answer) => Chat(("user", question), ("assistant", answer));

    public static string Write(this TemporaryDirectory directory, string name, params string[] lines)
    {
        var path = directory.File(name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    public static DatasetOptions Options(int sequenceLength = 256, OverlongPolicy overlong = OverlongPolicy.Drop, string? separator = null,
        DatasetFormat format = DatasetFormat.Auto) =>
        new() { SequenceLength = sequenceLength, Overlong = overlong, PlainTextSeparator = separator, Format = format };

    public static ValidatedDataset Validate(string path, DatasetOptions? options = null) =>
        DatasetValidator.Validate([path], Tokenizer, options ?? Options());

    /// <summary>ChatML tokens of a conversation, spelled out by hand, with the expected trainable flags.</summary>
    public static (int[] Ids, bool[] Trainable) ChatMl(params (string Role, string Content, bool Trained)[] messages)
    {
        var ids = new List<int>();
        var trainable = new List<bool>();
        void Add(IEnumerable<int> tokens, bool trained)
        {
            foreach (var token in tokens)
            {
                ids.Add(token);
                trainable.Add(trained);
            }
        }
        foreach (var (role, content, trained) in messages)
        {
            Add([ImStart, .. Bytes(role + "\n")], false);
            Add(Bytes(content), trained);
            Add([ImEnd], trained);
            Add(Bytes("\n"), false);
        }
        return (ids.ToArray(), trainable.ToArray());
    }

    /// <summary>Next-token labels of one document on its own: ids[t + 1] where that token is trainable.</summary>
    public static int[] ShiftedLabels(int[] ids, bool[] trainable)
    {
        var labels = new int[ids.Length];
        for (int t = 0; t < ids.Length; t++) labels[t] = t + 1 < ids.Length && trainable[t + 1] ? ids[t + 1] : Ignored;
        return labels;
    }

    public static TokenizedExample Example(int document, int length, int seed, double trainableShare = 0.7)
    {
        var random = new Random(seed);
        return new TokenizedExample(
            Enumerable.Range(0, length).Select(_ => random.Next(50)).ToArray(),
            Enumerable.Range(0, length).Select(_ => random.NextDouble() < trainableShare).ToArray(),
            document);
    }
}
