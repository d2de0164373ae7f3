using System.Text;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tests.Tokenization;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>
/// The streamed text, piece by piece, is the whole answer decoded at once — though characters of several bytes are
/// split across tokens and the decoder now decodes a window of tokens, not the whole answer, at each token.
/// </summary>
public sealed class StreamingTextDecoderTests(Gpt2Reference gpt2) : IClassFixture<Gpt2Reference>
{
    const string Text = "Naïve café owners say: 日本語 is fun 🙂, isn't it?\nUser: yes — «quoted» ∑ 𝔘 end";

    [Fact]
    public void Gpt2_tokens_stream_to_the_text_decoded_at_once()
    {
        var ids = gpt2.Tokenizer.Encode(Text);
        Assert.Contains(ids, id => gpt2.Tokenizer.Decode([id]).Contains('\uFFFD')); // some tokens hold part of a character

        var (streamed, decoder) = Stream(gpt2.Tokenizer, ids, []);

        Assert.Equal(Text, streamed);
        Assert.Equal(Text, decoder.Text);
        Assert.False(decoder.Stopped);
    }

    [Fact]
    public void Byte_tokens_stream_to_the_text_with_every_character_whole()
    {
        var tokenizer = new ByteLevelTokenizer();
        var pieces = new List<string>();
        var decoder = new StreamingTextDecoder(tokenizer, []);
        foreach (var id in tokenizer.Encode(Text)) pieces.Add(decoder.Add(id));
        pieces.Add(decoder.Finish());

        Assert.Equal(Text, string.Concat(pieces));
        Assert.DoesNotContain(pieces, piece => piece.Contains('\uFFFD'));
        Assert.True(pieces.Count(piece => piece.Length > 0) > Text.Length / 2, "the text came in many pieces");
    }

    [Fact]
    public void A_stop_sequence_ends_the_text_before_it_and_no_piece_of_it_is_streamed()
    {
        var tokenizer = new ByteLevelTokenizer();
        var (streamed, decoder) = Stream(tokenizer, tokenizer.Encode(Text), ["\nUser:"]);

        Assert.True(decoder.Stopped);
        Assert.Equal(Text[..Text.IndexOf("\nUser:", StringComparison.Ordinal)], streamed);
        Assert.Equal(streamed, decoder.Text);
        Assert.Equal(Encoding.UTF8.GetByteCount(Text[..Text.IndexOf("\nUser:", StringComparison.Ordinal)]) + "\nUser:".Length, decoder.TokenIds.Count);
    }

    [Fact]
    public void A_stop_sequence_split_across_tokens_is_found()
    {
        var ids = gpt2.Tokenizer.Encode(Text);
        var (streamed, decoder) = Stream(gpt2.Tokenizer, ids, ["fun 🙂"]);

        Assert.True(decoder.Stopped);
        Assert.Equal("Naïve café owners say: 日本語 is ", streamed);
    }

    [Fact]
    public void An_unfinished_character_at_the_end_is_dropped()
    {
        var tokenizer = new ByteLevelTokenizer();
        var ids = tokenizer.Encode("ok 日").SkipLast(1).ToList(); // the last character's first two bytes only

        var (streamed, decoder) = Stream(tokenizer, ids, []);

        Assert.Equal("ok ", streamed);
        Assert.Equal("ok ", decoder.Text);
    }

    [Theory]
    [InlineData(" Fine, thanks.", "Fine, thanks.")]
    [InlineData("Fine, thanks.", "Fine, thanks.")]
    [InlineData("  two spaces", " two spaces")]
    [InlineData(" ", "")]
    public void A_chat_formats_reply_leader_is_taken_off_the_start_only(string generated, string expected)
    {
        var tokenizer = new ByteLevelTokenizer();
        var (streamed, decoder) = Stream(tokenizer, tokenizer.Encode(generated), ["\nUser:"], leader: " ");

        Assert.Equal(expected, streamed);
        Assert.Equal(expected, decoder.Text);
    }

    [Fact]
    public void A_stop_sequence_right_after_the_leader_ends_an_empty_answer()
    {
        var tokenizer = new ByteLevelTokenizer();
        var (streamed, decoder) = Stream(tokenizer, tokenizer.Encode(" \nUser: more"), ["\nUser:"], leader: " ");

        Assert.True(decoder.Stopped);
        Assert.Equal("", streamed);
    }

    static (string Streamed, StreamingTextDecoder Decoder) Stream(ITokenizer tokenizer, IEnumerable<int> ids, IReadOnlyList<string> stops,
        string leader = "")
    {
        var decoder = new StreamingTextDecoder(tokenizer, stops, leader);
        var streamed = new StringBuilder();
        foreach (var id in ids)
        {
            streamed.Append(decoder.Add(id));
            if (decoder.Stopped) break;
        }
        streamed.Append(decoder.Finish());
        return (streamed.ToString(), decoder);
    }
}
