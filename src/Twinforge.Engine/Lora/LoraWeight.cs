using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>
/// One LoRA factor: the weight of a bias-free linear layer, as PEFT's <c>lora_A</c>/<c>lora_B</c> are, so registered
/// under those names its parameter is <c>lora_A.weight</c> or <c>lora_B.weight</c>.
/// </summary>
public sealed class LoraWeight : nn.Module
{
    // The field name is the parameter name: TorchSharp matches fields to registered names when it moves parameters.
    public Parameter weight;

    public LoraWeight(string name, Tensor initial) : base(name)
    {
        weight = new Parameter(initial);
        RegisterComponents();
    }
}
