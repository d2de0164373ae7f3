using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Generation;

[Collection("Torch")]
public sealed class TextGeneratorTests
{
    static readonly ByteLevelTokenizer Tokenizer = new();

    static CausalLanguageModel CreateModel() =>
        TinyModels.Create(TinyModels.Llama() with { VocabularySize = Tokenizer.VocabularySize, EosTokenIds = [] });

    [Fact]
    public void Streamed_pieces_join_to_the_generated_text()
    {
        using var model = CreateModel();
        using var generator = new TextGenerator(model, Tokenizer);
        var options = new GenerationOptions { MaxNewTokens = 30, Temperature = 1.0, Seed = 5 };
        var whole = generator.Generate("abc", options);
        Assert.Equal(whole.Text, string.Concat(generator.Stream("abc", options)));
        Assert.Equal(30, whole.TokenIds.Count);
        Assert.Equal(StopReason.MaxNewTokens, whole.StopReason);
    }

    [Fact]
    public void Text_ends_before_the_first_stop_sequence()
    {
        using var model = CreateModel();
        using var generator = new TextGenerator(model, Tokenizer);
        var free = generator.Generate("abc", new GenerationOptions { MaxNewTokens = 40 });
        var printable = free.Text.Where(c => !char.IsControl(c) && c != '\uFFFD').ToArray();
        Assert.True(printable.Length > 3, "the greedy output needs a few printable characters to stop on");
        var stop = free.Text.Substring(free.Text.IndexOf(printable[2]), 1);

        var stopped = generator.Generate("abc", new GenerationOptions { MaxNewTokens = 40, StopSequences = [stop] });

        Assert.Equal(StopReason.StopSequence, stopped.StopReason);
        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(stopped.Text, string.Concat(generator.Stream("abc", new GenerationOptions { MaxNewTokens = 40, StopSequences = [stop] })));
    }

    [Fact]
    public void Chat_ends_at_the_templates_end_of_turn_token()
    {
        using var model = CreateModel();
        int endOfTurn = Tokenizer.TokenToId("<|im_end|>")!.Value;
        // Make the end-of-turn token the only likely one, so the reply ends at once.
        using (TorchSharp.torch.no_grad())
            model.named_parameters().Single(p => p.name == "lm_head.weight").parameter[endOfTurn].fill_(5.0);
        using var generator = new TextGenerator(model, Tokenizer);
        var reply = generator.Chat([new ChatMessage(ChatRole.User, "hello")], new GenerationOptions { MaxNewTokens = 20 });
        Assert.Equal(StopReason.EndOfSequence, reply.StopReason);
        Assert.Empty(reply.TokenIds);
    }
}
