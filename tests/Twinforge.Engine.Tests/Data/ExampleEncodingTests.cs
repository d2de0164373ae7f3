using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

/// <summary>What each format turns into: tokens, and which of them the loss is on.</summary>
public sealed class ExampleEncodingTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Chat_labels_are_ignored_exactly_where_the_target_is_not_assistant_content_or_its_end_marker()
    {
        var path = _temporary.Write("chats.jsonl", Chat(("system", "Be kind."), ("user", "Hi"), ("assistant", "Hello!"), ("user", "Bye"), ("assistant", "Ciao")));
        var expected = ChatMl(("system", "Be kind.", false), ("user", "Hi", false), ("assistant", "Hello!", true), ("user", "Bye", false), ("assistant", "Ciao", true));

        var example = Assert.Single(Validate(path).Examples);
        var sequence = Assert.Single(new SequencePacker(128, packing: false, Pad).Pack([example]).Sequences);

        Assert.Equal(expected.Ids, example.Ids);
        Assert.Equal(expected.Trainable, example.Trainable);
        var labels = ShiftedLabels(expected.Ids, expected.Trainable);
        Assert.Equal(labels, sequence.Labels.Take(expected.Ids.Length));
        Assert.All(sequence.Labels.Skip(expected.Ids.Length), label => Assert.Equal(Ignored, label));
        // The targets spell the two replies, each closed by <|im_end|>.
        Assert.Equal([.. Bytes("Hello!"), ImEnd, .. Bytes("Ciao"), ImEnd], sequence.Labels.Where(label => label != Ignored));
    }

    [Fact]
    public void An_assistant_message_with_weight_zero_is_not_trained_on()
    {
        var line = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Um.\", \"weight\": 0}, " +
                   "{\"role\": \"user\", \"content\": \"Again?\"}, {\"role\": \"assistant\", \"content\": \"Hello!\", \"weight\": 1}]}";
        var path = _temporary.Write("chats.jsonl", line);
        var expected = ChatMl(("user", "Hi", false), ("assistant", "Um.", false), ("user", "Again?", false), ("assistant", "Hello!", true));

        var example = Assert.Single(Validate(path).Examples);

        Assert.Equal(expected.Ids, example.Ids);
        Assert.Equal(expected.Trainable, example.Trainable);
    }

    [Fact]
    public void Prompt_completion_trains_on_the_completion_and_eos_only()
    {
        const string prompt = "Q: 2+2?\nA:";
        var path = _temporary.Write("pairs.jsonl", PromptCompletion(prompt, " 4"));

        var example = Assert.Single(Validate(path).Examples);

        Assert.Equal([.. Bytes(prompt), .. Bytes(" 4"), Eos], example.Ids);
        Assert.Equal([.. Enumerable.Repeat(false, Bytes(prompt).Length), true, true, true], example.Trainable);
    }

    [Fact]
    public void Plain_text_documents_are_paragraphs_separated_by_blank_lines()
    {
        var path = _temporary.Write("posts.txt", "First post,", "two lines.", "", "", "  ", "Second post.", "", "Third.");

        var examples = Validate(path).Examples;

        int[][] expected = [[.. Bytes("First post,\ntwo lines."), Eos], [.. Bytes("Second post."), Eos], [.. Bytes("Third."), Eos]];
        Assert.Equal(expected, examples.Select(example => example.Ids));
        Assert.Equal([1L, 6L, 8L], examples.Select(example => example.Line));
        Assert.All(examples, example => Assert.All(example.Trainable, Assert.True));
    }

    [Fact]
    public void Plain_text_documents_can_be_separated_by_a_separator_line_like_fortune_files()
    {
        var path = _temporary.Write("fortunes", "One.", "%", "Two,", "", "still two.", "%", "%", "", "Three.", "%");

        var examples = Validate(path, Options(separator: "%")).Examples;

        int[][] expected = [[.. Bytes("One."), Eos], [.. Bytes("Two,\n\nstill two."), Eos], [.. Bytes("Three."), Eos]];
        Assert.Equal(expected, examples.Select(example => example.Ids));
        Assert.Equal([1L, 3L, 9L], examples.Select(example => example.Line));
        Assert.Equal([0, 1, 2], examples.Select(example => example.Document));
    }

    [Fact]
    public void Without_an_eos_token_documents_end_with_their_text()
    {
        var tokenizer = new ByteLevelTokenizer([ByteLevelTokenizer.PaddingToken]);
        var path = _temporary.Write("posts.txt", "abc", "", "de");

        var examples = DatasetValidator.Validate([path], tokenizer, Options()).Examples;

        int[][] expected = [Bytes("abc"), Bytes("de")];
        Assert.Equal(expected, examples.Select(example => example.Ids));
    }
}
