using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
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
        var config = BenchPlan.ModelFor(run.Model);
        var directory = Directory.CreateTempSubdirectory("twinforge-finalization-probe-");
        using var finalizations = countAtEnd ? null : new FinalizationCounter();
        try
        {
            int steps = run.WarmupSteps + run.TimedSteps;
            var textFile = Path.Combine(directory.FullName, "random.txt");
            var random = new Random(1);
            var text = new StringBuilder();
            for (int i = 0; i < (steps * run.BatchSize + 1) * run.SequenceLength; i++)
                text.Append(random.Next(6) == 0 ? ' ' : (char)('a' + random.Next(26)));
            text[0] = 'a';
            File.WriteAllText(textFile, text.ToString());
            var data = TrainingData.Prepare([textFile], new ByteLevelTokenizer(), new TrainingDataOptions
            {
                SequenceLength = run.SequenceLength, Format = DatasetFormat.PlainText, Overlong = OverlongPolicy.Split,
                Packing = false, ValidationFraction = 0, Seed = 1,
            });
            using var model = new CausalLanguageModel(config);
            model.InitializeWeights(seed: 1);
            if (run.Lora)
                LoraInjector.Apply(model, new LoraConfig { Rank = run.LoraRank, Alpha = 2 * run.LoraRank, TargetModules = LoraConfig.DefaultTargets(config.Family) }, seed: 1);
            var trainer = new Trainer(model, data, new TrainingOptions
            {
                MaxSteps = steps, BatchSize = run.BatchSize, LearningRate = run.Lora ? 2e-4 : 5e-5, EvaluateEverySteps = 0,
                CheckpointEverySteps = 0, EarlyStoppingPatience = null, RestoreBestWeights = false,
                Precision = run.BFloat16Mixed ? TrainingPrecision.BFloat16Mixed : TrainingPrecision.Float32,
                ActivationCheckpointing = run.ActivationCheckpointing,
            }, Path.Combine(directory.FullName, "run"));
            var name = $"{run.Model} {run.Name}";
            var recorder = new Recorder(name, collect, finalizations, output, "step");
            trainer.Run(onEvent: trainingEvent =>
            {
                if (trainingEvent is StepCompleted step) recorder.Record(step.Step);
            }, resume: false);
            return recorder.Finish();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
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

        /// <param name="finalizations">Null to count only what the end's collection finalizes.</param>
        public Recorder(string name, bool collect, FinalizationCounter? finalizations, TextWriter output, string unit)
        {
            (this.name, this.collect, this.finalizations, this.output) = (name, collect, finalizations, output);
            output.WriteLine($"{name}{(collect ? ", collecting after each " + unit : ", nothing collected")}");
            output.WriteLine($"{unit,5}  RSS MB  peak MB  managed MB  faults  live(thread)  Tensor.TotalCount  collections 0/1/2  finalized since the last {unit}");
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
            var step = new FinalizationProbeStep(index, ProcessMemory.ResidentBytes(), GC.GetTotalMemory(forceFullCollection: false), faultsNow - faults,
                TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount, TorchSharp.torch.Tensor.TotalCount,
                [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)], finalizations?.TakeCounts() ?? []);
            faults = faultsNow;
            steps.Add(step);
            output.WriteLine($"{index,5}  {step.ResidentBytes >> 20,6}  {ProcessMemory.PeakResidentBytes() >> 20,7}  {step.ManagedBytes >> 20,10}  {step.MinorFaults,6}  " +
                $"{step.LiveTensors,12}  {step.TensorTotal,17}  {string.Join('/', step.Collections),17}  {Describe(step.Finalized)}");
        }

        public FinalizationProbeResult Finish()
        {
            var counter = finalizations ?? new FinalizationCounter();
            counter.FinalizeUnreachable();
            var after = counter.TakeCounts();
            if (finalizations is null) counter.Dispose();
            output.WriteLine("finalized by one collection at the end: " + Describe(after));
            return new FinalizationProbeResult(name, collect, steps, after, ProcessMemory.PeakResidentBytes());
        }

        static string Describe(Dictionary<string, long> counts) =>
            string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
    }

    /// <summary>Counts the runtime's FinalizeObject events (GC keyword, verbose) by the finalized object's type.</summary>
    sealed class FinalizationCounter : EventListener
    {
        const EventKeywords GcKeyword = (EventKeywords)0x1;
        readonly ConcurrentDictionary<nint, long> byTypeHandle = new();
        long sentinels;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "FinalizeObject" || e.Payload is null || e.PayloadNames is null) return;
            int index = e.PayloadNames.IndexOf("TypeID");
            if (index < 0) return;
            nint typeHandle = e.Payload[index] switch { IntPtr p => p, ulong u => (nint)u, var other => (nint)Convert.ToInt64(other) };
            if (typeHandle == typeof(Sentinel).TypeHandle.Value) Interlocked.Increment(ref sentinels);
            else byTypeHandle.AddOrUpdate(typeHandle, 1, (_, n) => n + 1);
        }

        /// <summary>Counts since the last call, by type name.</summary>
        public Dictionary<string, long> TakeCounts()
        {
            var result = new Dictionary<string, long>();
            foreach (var key in byTypeHandle.Keys.ToList())
            {
                if (!byTypeHandle.TryRemove(key, out long count)) continue;
                string name = NameOf(key);
                result[name] = result.GetValueOrDefault(name) + count;
            }
            return result;
        }

        /// <summary>
        /// Collects, runs the finalizers and waits until their events have arrived: the finalizer thread writes them in
        /// order and listeners get them later on another thread, so once a sentinel finalized after them is seen, they are in.
        /// </summary>
        public void FinalizeUnreachable()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long seen = Interlocked.Read(ref sentinels);
            AbandonSentinel();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Interlocked.Read(ref sentinels) == seen && DateTime.UtcNow < deadline) Thread.Sleep(20);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static void AbandonSentinel() => _ = new Sentinel();

        static string NameOf(nint typeHandle)
        {
            try { return Type.GetTypeFromHandle(RuntimeTypeHandle.FromIntPtr(typeHandle))?.ToString() ?? $"0x{typeHandle:x}"; }
            catch (ArgumentException) { return $"0x{typeHandle:x}"; }
        }

        sealed class Sentinel
        {
            ~Sentinel() { }
        }
    }
}

/// <summary>One step or reply of a <see cref="FinalizationProbe"/> run: what was resident and live after it, and what was finalized during it.</summary>
public sealed record FinalizationProbeStep(int Index, long ResidentBytes, long ManagedBytes, long MinorFaults, long LiveTensors, long TensorTotal,
    int[] Collections, Dictionary<string, long> Finalized);

/// <summary>A <see cref="FinalizationProbe"/> run: its steps or replies, and what one collection at the end finalized.</summary>
public sealed record FinalizationProbeResult(string Name, bool CollectedEachStep, IReadOnlyList<FinalizationProbeStep> Steps,
    Dictionary<string, long> FinalizedAtEnd, long PeakResidentBytes)
{
    /// <summary>Objects of <paramref name="typeName"/> finalized during the steps and by the collection at the end.</summary>
    public long Finalized(string typeName) => Steps.Sum(step => step.Finalized.GetValueOrDefault(typeName)) + FinalizedAtEnd.GetValueOrDefault(typeName);
}
