using System.Diagnostics.Tracing;
using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Bench;

/// <summary>
/// What training steps or generated replies leave to the finalizer: runs <see cref="Trainer"/> on one harness case,
/// or sampled replies through <see cref="PretrainedModel"/>, with nothing collected by hand (or, with <c>--collect</c>,
/// a collection after each step or reply, as the CLI once did) and prints, per step or reply, resident memory, minor
/// faults, TorchSharp's live-tensor counts and the objects the runtime finalized since the previous one, by type (the
/// runtime's FinalizeObject events, through an in-process <see cref="EventListener"/>); at the end, what one collection
/// finalizes. A wrapper that reaches its finalizer was not disposed: its native object lived until a collection ran.
/// </summary>
public static class FinalizationProbe
{
    public const string Usage = "finalization-probe [lora|full] [fp32|bf16] [batch=8] [sequence=256] [steps=10] [--ckpt] [--tiny] [--collect] [--count-at-end] [--result PATH]\n" +
        "         finalization-probe generation [replies=20] [--tiny] [--collect] [--count-at-end] [--result PATH]   (sampled: temperature, top-k, top-p, repetition penalty)\n" +
        "         --count-at-end: listen for finalizations only at the end's collection (the runtime's event buffers, filled by every\n" +
        "         finalization a reply's collections run, are native memory of their own)";

    public static int RunCommand(IReadOnlyList<string> arguments, TextWriter output)
    {
        var numbers = arguments.Where(a => int.TryParse(a, out _)).Select(int.Parse).ToList();
        string model = arguments.Contains("--tiny") ? BenchPlan.Gpt2Tiny : BenchPlan.Gpt2Small;
        bool collect = arguments.Contains("--collect");
        bool countAtEnd = arguments.Contains("--count-at-end");
        int resultAt = arguments.ToList().IndexOf("--result");
        string? resultPath = resultAt >= 0 && resultAt + 1 < arguments.Count ? arguments[resultAt + 1] : null;
        FinalizationProbeResult result;
        if (arguments.Contains("generation"))
        {
            result = RunGeneration(model, replies: numbers.FirstOrDefault(20), collect, countAtEnd, output);
        }
        else
        {
            var run = new FineTuningCase(model,
                BatchSize: numbers.ElementAtOrDefault(0) is > 0 and var batch ? batch : 8,
                SequenceLength: numbers.ElementAtOrDefault(1) is > 0 and var sequence ? sequence : 256,
                Lora: !arguments.Contains("full"), LoraRank: 16, BFloat16Mixed: arguments.Contains("bf16"), WarmupSteps: 1,
                TimedSteps: (numbers.ElementAtOrDefault(2) is > 1 and var steps ? steps : 10) - 1,
                ActivationCheckpointing: arguments.Contains("--ckpt"));
            result = RunTraining(run, collect, countAtEnd, output);
        }
        if (resultPath is not null) File.WriteAllText(resultPath, JsonSerializer.Serialize(result, BenchReport.SerializerOptions));
        return 0;
    }

    static FinalizationProbeResult RunTraining(FineTuningCase run, bool collect, bool countAtEnd, TextWriter output)
    {
        using var finalizations = countAtEnd ? null : new FinalizationCounter();
        using var setup = new FineTuningCaseTrainer(run);
        var recorder = new Recorder($"{run.Model} {run.Name}", collect, finalizations, output, "step");
        setup.Trainer.Run(onEvent: trainingEvent =>
        {
            if (trainingEvent is StepCompleted step) recorder.Record(step.Step);
        }, resume: false);
        return recorder.Finish();
    }

    static FinalizationProbeResult RunGeneration(string modelName, int replies, bool collect, bool countAtEnd, TextWriter output)
    {
        using var finalizations = countAtEnd ? null : new FinalizationCounter();
        var network = new CausalLanguageModel(BenchPlan.ModelFor(modelName));
        network.InitializeWeights(seed: 1);
        using var model = new PretrainedModel(network, new ByteLevelTokenizer());
        var options = new GenerationOptions { MaxNewTokens = 32, Temperature = 0.8, TopK = 20, TopP = 0.9, RepetitionPenalty = 1.1, Seed = 3 };
        var recorder = new Recorder($"{modelName}, sampled replies of {options.MaxNewTokens} tokens", collect, finalizations, output, "reply");
        for (int i = 1; i <= replies; i++)
        {
            model.Generate($"prompt number {i}: ", options);
            recorder.Record(i);
        }
        return recorder.Finish();
    }

    /// <summary>One line per step or reply, kept for the result file as well as printed.</summary>
    sealed class Recorder
    {
        readonly string name;
        readonly bool collect;
        readonly FinalizationCounter? finalizations;
        readonly TextWriter output;
        readonly List<FinalizationProbeStep> steps = [];
        long faults = ProcessMemory.MinorPageFaults();

        /// <summary>Without <paramref name="finalizations"/>, only what the end's collection finalizes is counted.</summary>
        public Recorder(string name, bool collect, FinalizationCounter? finalizations, TextWriter output, string unit)
        {
            (this.name, this.collect, this.finalizations, this.output) = (name, collect, finalizations, output);
            output.WriteLine($"{name}{(collect ? ", collecting after each " + unit : ", nothing collected")}");
            output.WriteLine($"{unit,5}  RSS MB  peak MB  C heap in use/held MB  managed MB  faults  live(thread)  Tensor.TotalCount  collections 0/1/2  finalized since the last {unit}");
            finalizations?.TakeCounts();
        }

        public void Record(int index)
        {
            if (collect)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            long faultsNow = ProcessMemory.MinorPageFaults();
            var step = new FinalizationProbeStep(index, ProcessMemory.ResidentBytes(), NativeHeap.BytesInUse(), NativeHeap.BytesHeld(),
                GC.GetTotalMemory(forceFullCollection: false), faultsNow - faults,
                TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount, TorchSharp.torch.Tensor.TotalCount,
                [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)], finalizations?.TakeCounts() ?? []);
            faults = faultsNow;
            steps.Add(step);
            output.WriteLine($"{index,5}  {step.ResidentBytes >> 20,6}  {ProcessMemory.PeakResidentBytes() >> 20,7}  {$"{step.NativeInUseBytes >> 20}/{step.NativeHeldBytes >> 20}",21}  " +
                $"{step.ManagedBytes >> 20,10}  {step.MinorFaults,6}  " +
                $"{step.LiveTensors,12}  {step.TensorTotal,17}  {string.Join('/', step.Collections),17}  {Describe(step.Finalized)}");
        }

        public FinalizationProbeResult Finish()
        {
            var counter = finalizations ?? new FinalizationCounter();
            counter.FinalizeUnreachable();
            var after = counter.TakeCounts();
            long nativeTensors = counter.NativeTensors;
            if (finalizations is null) counter.Dispose();
            output.WriteLine("finalized by one collection at the end: " + Describe(after));
            output.WriteLine($"native tensors freed by finalizers in the whole run: {nativeTensors}");
            return new FinalizationProbeResult(name, collect, steps, after, nativeTensors, ProcessMemory.PeakResidentBytes());
        }

        static string Describe(Dictionary<string, long> counts) =>
            string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
    }
}

/// <summary>One step or reply of a <see cref="FinalizationProbe"/> run: what was resident and live after it, and what was finalized during it.</summary>
/// <param name="NativeInUseBytes">The C heap's bytes in use (<see cref="NativeHeap.BytesInUse"/>): what is alive, however fragmented.</param>
/// <param name="NativeHeldBytes">The C heap's bytes held from the system (<see cref="NativeHeap.BytesHeld"/>), in use or kept for reuse.</param>
public sealed record FinalizationProbeStep(int Index, long ResidentBytes, long NativeInUseBytes, long NativeHeldBytes, long ManagedBytes, long MinorFaults, long LiveTensors, long TensorTotal,
    int[] Collections, Dictionary<string, long> Finalized);

/// <summary>
/// A <see cref="FinalizationProbe"/> run: its steps or replies, what one collection at the end finalized, and how many
/// wrappers still holding a native tensor finalizers freed from set-up to that collection (NativeTensors).
/// </summary>
public sealed record FinalizationProbeResult(string Name, bool CollectedEachStep, IReadOnlyList<FinalizationProbeStep> Steps,
    Dictionary<string, long> FinalizedAtEnd, long NativeTensors, long PeakResidentBytes)
{
    /// <summary>Objects of <paramref name="typeName"/> finalized during the steps and by the collection at the end.</summary>
    public long Finalized(string typeName) => Steps.Sum(step => step.Finalized.GetValueOrDefault(typeName)) + FinalizedAtEnd.GetValueOrDefault(typeName);
}
