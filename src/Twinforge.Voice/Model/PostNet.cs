using Twinforge.Engine;
using TorchSharp;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// Tacotron 2's post-net (Shen et al. 2018), as FastSpeech 2 implementations keep it: convolutions along the frames
/// that read the decoder's log-mel and add a correction to it. The decoder, trained by L1 on every frame alone,
/// smears what varies from frame to frame (harmonics, formant transitions); the post-net sees a window of frames of
/// every band at once and puts detail back. Its last layer starts at zero, so an untrained post-net passes the mel
/// through unchanged.
/// </summary>
public sealed class PostNet : nn.Module<Tensor, Tensor, Tensor>
{
    readonly TorchSharp.Modules.ModuleList<AdaptableConv1d> layers;
    readonly DropoutRandomness randomness;
    readonly double dropout;

    /// <param name="randomness">The model's dropout generator.</param>
    public PostNet(string name, int bins, int channels, int layerCount, int kernel, double dropout, DropoutRandomness randomness) : base(name)
    {
        if (layerCount < 2) throw new ArgumentOutOfRangeException(nameof(layerCount), layerCount, "a post-net has at least two layers");
        layers = nn.ModuleList(Enumerable.Range(0, layerCount)
            .Select(i => new AdaptableConv1d($"{i}", i == 0 ? bins : channels, i == layerCount - 1 ? bins : channels, kernel)).ToArray());
        this.randomness = randomness;
        this.dropout = dropout;
        RegisterComponents();
    }

    /// <summary>The last convolution, which the model initialises to zero (an identity post-net to start with).</summary>
    public AdaptableConv1d Last => layers[^1];

    /// <param name="mel">The decoder's log-mel [batch, frames, bins].</param>
    /// <param name="frameMask">[batch, frames], 1 on frames, 0 in padding (kept at zero between layers so padding does not leak in).</param>
    /// <returns>The refined log-mel [batch, frames, bins].</returns>
    public override Tensor forward(Tensor mel, Tensor frameMask)
    {
        using var scope = NewDisposeScope();
        var keep = frameMask.unsqueeze(1);
        var x = mel.transpose(1, 2).mul(keep);
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            if (i < layers.Count - 1) x = nn.functional.tanh(x);
            if (training && dropout > 0) x = randomness.Apply(x, dropout);
            x = x.mul(keep);
        }
        return mel.Plus(x.transpose(1, 2)).MoveToOuterDisposeScope();
    }
}
