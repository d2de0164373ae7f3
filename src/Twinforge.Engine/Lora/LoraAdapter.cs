using TorchSharp;
using TorchSharp.Modules;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>
/// A low-rank update of one projection (Hu et al. 2021): y = W x + scaling · B A dropout(x), with A (r, in) and
/// B (out, r). Attached with <see cref="Projection.AttachAdapter"/>, its factors appear as the projection's
/// <c>lora_A.weight</c> and <c>lora_B.weight</c>. Both factors are stored as PEFT stores them — A (r, in), B (out, r) —
/// whatever the projection's weight layout.
/// </summary>
public sealed class LoraAdapter : nn.Module
{
    /// <summary>Child names of the factors under the projection; PEFT's, minus the adapter name ("default").</summary>
    public const string AName = "lora_A", BName = "lora_B";

    // Field names are the registered names (TorchSharp matches them when it moves or converts modules).
    public readonly LoraWeight lora_A;
    public readonly LoraWeight lora_B;

    /// <summary>Builds an adapter from factors A (r, in) and B (out, r), taking ownership of them.</summary>
    public LoraAdapter(Tensor a, Tensor b, double scaling, double dropout) : base("lora")
    {
        if (a.dim() != 2 || b.dim() != 2 || b.shape[1] != a.shape[0])
            throw new ArgumentException(
                $"LoRA factors must be A (r, in) and B (out, r); got A [{string.Join(", ", a.shape)}] and B [{string.Join(", ", b.shape)}]");
        if (!double.IsFinite(scaling)) throw new ArgumentException($"LoRA scaling must be finite, got {scaling}", nameof(scaling));
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentException($"LoRA dropout must be in [0, 1), got {dropout}", nameof(dropout));
        lora_A = new LoraWeight(AName, a);
        lora_B = new LoraWeight(BName, b);
        Scaling = scaling;
        Dropout = dropout;
        RegisterComponents();
    }

    /// <summary>
    /// A fresh adapter for <paramref name="projection"/>: A kaiming-uniform as torch's Linear initialises its weight,
    /// B zero, so the adapted projection starts equal to the base one. Factors are float32 over half-precision base
    /// weights (as PEFT's autocast_adapter_dtype does) so the optimizer updates them in full precision.
    /// </summary>
    public static LoraAdapter Create(Projection projection, LoraConfig config, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(projection);
        config.Validate();
        var baseDType = projection.weight.dtype;
        var dtype = baseDType is ScalarType.Float16 or ScalarType.BFloat16 ? ScalarType.Float32 : baseDType;
        var device = projection.weight.device;
        Tensor a = empty([config.Rank, projection.InFeatures], ScalarType.Float32);
        using (no_grad())
        {
            // kaiming_uniform_(a=√5): gain = √(2 / (1 + a²)), bound = gain · √(3 / fan_in), fan_in = in (A's columns).
            double gain = Math.Sqrt(2.0 / (1.0 + 5.0));
            double bound = gain * Math.Sqrt(3.0 / projection.InFeatures);
            a.uniform_(-bound, bound, generator);
        }
        if (a.dtype != dtype || a.device != device) a = WithDTypeAndDevice(a, dtype, device);
        var b = zeros([projection.OutFeatures, config.Rank], dtype, device);
        return new LoraAdapter(a, b, config.Scaling, config.Dropout);
    }

    static Tensor WithDTypeAndDevice(Tensor tensor, ScalarType dtype, Device device)
    {
        using (tensor) return tensor.to(dtype, device);
    }

    /// <summary>A, (r, in).</summary>
    public Parameter A => lora_A.weight;

    /// <summary>B, (out, r).</summary>
    public Parameter B => lora_B.weight;

    public int Rank => (int)A.shape[0];
    public long InFeatures => A.shape[1];
    public long OutFeatures => B.shape[0];
    public double Scaling { get; }
    public double Dropout { get; }

    /// <summary>
    /// The adapter's contribution for <paramref name="input"/> (…, in) → (…, out): scaling · dropout(x) Aᵀ Bᵀ, in
    /// <paramref name="computeDType"/> when given, else in the factors' dtype. Dropout draws from <paramref name="randomness"/>
    /// (the model's generator), which training with dropout needs.
    /// </summary>
    public Tensor Delta(Tensor input, bool training, ScalarType? computeDType, DropoutRandomness? randomness = null)
    {
        using var scope = NewDisposeScope();
        var dtype = computeDType ?? A.dtype;
        var x = input.dtype == dtype ? input : input.to(dtype);
        Tensor a = A.dtype == dtype ? A : A.to(dtype), b = B.dtype == dtype ? B : B.to(dtype);
        if (training && Dropout > 0)
            x = (randomness ?? throw new InvalidOperationException("LoRA dropout needs the model's dropout generator: attach the adapter to a model's projection"))
                .Apply(x, Dropout);
        return nn.functional.linear(nn.functional.linear(x, a), b).Times(Scaling).MoveToOuterDisposeScope(); // (…, r) → (…, out)
    }

    /// <summary>
    /// ΔW = scaling · B·A as (out, in), in the factors' dtype and with autograd (e.g. for an L2-SP penalty on the
    /// effective weight change). Transpose it for a Conv1D (in, out) weight.
    /// </summary>
    public Tensor DeltaWeight()
    {
        using var scope = NewDisposeScope();
        return B.matmul(A).Times(Scaling).MoveToOuterDisposeScope();
    }
}
