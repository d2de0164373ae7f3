using TorchSharp;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// FastSpeech 2's variance predictor: two convolutions along the phonemes, each with ReLU, layer norm and dropout,
/// then one number per phoneme — its log duration, its mean pitch or its mean energy.
/// </summary>
public sealed class VariancePredictor : nn.Module<Tensor, Tensor, Tensor>
{
    readonly AdaptableConv1d first, second;
    readonly TorchSharp.Modules.LayerNorm firstNorm, secondNorm;
    readonly DropoutRandomness randomness;
    readonly double dropout;
    readonly AdaptableLinear project;

    public VariancePredictor(string name, AcousticModelConfig config, DropoutRandomness randomness) : base(name)
    {
        first = new AdaptableConv1d("first", config.Hidden, config.Hidden, 3);
        second = new AdaptableConv1d("second", config.Hidden, config.Hidden, 3);
        firstNorm = nn.LayerNorm(config.Hidden);
        secondNorm = nn.LayerNorm(config.Hidden);
        this.randomness = randomness;
        dropout = config.Dropout;
        project = new AdaptableLinear("project", config.Hidden, 1);
        RegisterComponents();
    }

    Tensor Dropout(Tensor x) => training && dropout > 0 ? randomness.Apply(x, dropout) : x;

    /// <returns>[batch, phonemes], zero in padding.</returns>
    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var x = Dropout(firstNorm.forward(nn.functional.relu(first.forward(hidden.transpose(1, 2))).transpose(1, 2)));
        x = Dropout(secondNorm.forward(nn.functional.relu(second.forward(x.transpose(1, 2))).transpose(1, 2)));
        return project.forward(x).squeeze(-1).mul(mask).MoveToOuterDisposeScope();
    }
}
