using Twinforge.Engine;
using TorchSharp;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// FastSpeech's feed-forward Transformer block: self-attention, then a 1-D convolution network along the sequence
/// (neighbouring phonemes or frames shape each other), each added back and normalised — by a plain layer norm in the
/// encoder, by a speaker-conditional one (<see cref="ConditionalLayerNorm"/>) in the decoder.
/// </summary>
public sealed class FftBlock : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly int heads;
    readonly AdaptableLinear query, key, value, output;
    readonly AdaptableConv1d widen, narrow;
    readonly DropoutRandomness randomness;
    readonly double dropout;
    readonly TorchSharp.Modules.LayerNorm? plainFirst, plainSecond;
    readonly ConditionalLayerNorm? conditionalFirst, conditionalSecond;

    /// <param name="kernel">The convolution's width in phonemes or frames, <paramref name="filterSize"/> its inner width.</param>
    /// <param name="randomness">The model's dropout generator (shared by its blocks, seeded by the trainer).</param>
    public FftBlock(string name, AcousticModelConfig config, int kernel, int filterSize, bool conditional, DropoutRandomness randomness) : base(name)
    {
        heads = config.Heads;
        query = new AdaptableLinear("query", config.Hidden, config.Hidden);
        key = new AdaptableLinear("key", config.Hidden, config.Hidden);
        value = new AdaptableLinear("value", config.Hidden, config.Hidden);
        output = new AdaptableLinear("output", config.Hidden, config.Hidden);
        widen = new AdaptableConv1d("widen", config.Hidden, filterSize, kernel);
        narrow = new AdaptableConv1d("narrow", filterSize, config.Hidden, 1);
        this.randomness = randomness;
        dropout = config.Dropout;
        if (conditional)
        {
            conditionalFirst = new ConditionalLayerNorm("norm1", config.Hidden, config.SpeakerSize);
            conditionalSecond = new ConditionalLayerNorm("norm2", config.Hidden, config.SpeakerSize);
        }
        else
        {
            plainFirst = nn.LayerNorm(config.Hidden);
            plainSecond = nn.LayerNorm(config.Hidden);
        }
        RegisterComponents();
    }

    /// <param name="hidden">[batch, length, hidden]</param>
    /// <param name="mask">[batch, length], 1 where there is a phoneme or frame, 0 in padding.</param>
    /// <param name="speaker">[batch, speaker size] (used by a conditional block).</param>
    public override Tensor forward(Tensor hidden, Tensor mask, Tensor speaker)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1], width = hidden.shape[2], headSize = width / heads;
        Tensor Split(Tensor x) => x.view(batch, length, heads, headSize).transpose(1, 2);
        var scores = Split(query.forward(hidden)).matmul(Split(key.forward(hidden)).transpose(2, 3)).DividedBy(Math.Sqrt(headSize));
        scores = scores.FilledWhere(mask.unsqueeze(1).unsqueeze(2).EqualTo(0), -1e4);
        var attended = scores.softmax(-1).matmul(Split(value.forward(hidden))).transpose(1, 2).reshape(batch, length, width);
        var x = Normalise(hidden.Plus(Dropout(output.forward(attended))), speaker, first: true);
        var keep = mask.unsqueeze(2);
        x = x.mul(keep);
        var convolved = narrow.forward(Dropout(nn.functional.relu(widen.forward(x.transpose(1, 2))))).transpose(1, 2);
        x = Normalise(x.Plus(Dropout(convolved)), speaker, first: false);
        return x.mul(keep).MoveToOuterDisposeScope();
    }

    Tensor Dropout(Tensor x) => training && dropout > 0 ? randomness.Apply(x, dropout) : x;

    Tensor Normalise(Tensor x, Tensor speaker, bool first) => conditionalFirst is not null
        ? (first ? conditionalFirst : conditionalSecond!).forward(x, speaker)
        : (first ? plainFirst! : plainSecond!).forward(x);

    /// <summary>The speaker-conditional norms' projections (what adaptation trains), none in a plain block.</summary>
    public IEnumerable<ConditionalLayerNorm> ConditionalNorms => new[] { conditionalFirst, conditionalSecond }.OfType<ConditionalLayerNorm>();
}
