using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// <c>twinforge-bench step-profile [full|lora] [batch=4] [sequence=64]</c>: where a GPT-2 124M bf16-mixed training
/// step's forward and backward time goes — the body (blocks) forward alone and with its backward, the head with
/// the loss forward and backward on the body's output, and the same in inference (no autograd) for comparison. The
/// optimizer is left out (it is one fused pass, measured in the trainer cases).
/// </summary>
public static class TrainingStepProfile
{
    public const string Usage = "step-profile [full|lora] [batch=4] [sequence=64] [--no-dropout]   (a bf16-mixed training step's forward/backward split)";

    public static int RunCommand(string[] args, TextWriter output)
    {
        bool lora = args.FirstOrDefault() != "full";
        int batch = Setting(args, "batch", 4), sequence = Setting(args, "sequence", 64);
        var config = TransformerConfig.Gpt2();
        using var model = new CausalLanguageModel(config);
        model.InitializeWeights(seed: 1);
        if (lora)
            LoraInjector.Apply(model, new LoraConfig { Rank = 16, Alpha = 32, TargetModules = LoraConfig.DefaultTargets(config.Family) }, seed: 1);
        model.ComputeDType = ScalarType.BFloat16;
        using var frozenCopies = model.CacheFrozenComputeCopies();
        if (args.Contains("--no-dropout")) model.SetDropout(0);
        model.train();
        using var inputs = randint(0, config.VocabularySize, [batch, sequence]);
        using var labels = randint(0, config.VocabularySize, [batch * sequence]);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        void ClearGradients() { foreach (var p in trainable) p.grad = null; }

        double inference, bodyForward, bodyStep, headStep;
        using (no_grad()) inference = ProfileTimer.MedianMs(8, () => model.Forward(inputs));
        bodyForward = ProfileTimer.MedianMs(8, () => model.Hidden(inputs));
        bodyStep = ProfileTimer.MedianMs(8, () =>
        {
            var hidden = model.Hidden(inputs);
            hidden.backward([ones_like(hidden)]);
            ClearGradients();
            return hidden;
        });
        using var rows = randn([batch * sequence, config.HiddenSize]);
        headStep = ProfileTimer.MedianMs(8, () =>
        {
            var leaf = rows.detach().requires_grad_(true);
            var loss = nn.functional.cross_entropy(model.Logits(leaf).to(ScalarType.Float32), labels, reduction: nn.Reduction.Sum);
            loss.backward();
            ClearGradients();
            return loss;
        });

        output.WriteLine($"GPT-2 124M {(lora ? "LoRA r16" : "full")} bf16-mixed, batch {batch} × {sequence}, {get_num_threads()} threads");
        output.WriteLine($"  inference forward (no autograd):    {inference,8:F1} ms");
        output.WriteLine($"  body forward (with autograd):       {bodyForward,8:F1} ms");
        output.WriteLine($"  body forward + backward:            {bodyStep,8:F1} ms  (backward {bodyStep - bodyForward:F1})");
        output.WriteLine($"  head + loss, forward + backward:    {headStep,8:F1} ms");
        output.WriteLine($"  forward + backward in all:          {bodyStep + headStep,8:F1} ms = {batch * sequence * 1000 / (bodyStep + headStep),6:F0} tok/s before the optimizer");
        return 0;
    }

    static int Setting(string[] args, string name, int fallback)
    {
        var setting = args.FirstOrDefault(arg => arg.StartsWith(name + "=", StringComparison.Ordinal));
        if (setting is null) return fallback;
        return int.TryParse(setting[(name.Length + 1)..], out int value) && value >= 1
            ? value
            : throw new ArgumentException($"step-profile: {name} needs a whole number of at least 1, not '{setting}'");
    }
}
