using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Reflection;
using System.Text;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Bench;

/// <summary>
/// What a training step leaves to the finalizer: runs <see cref="Trainer"/> on one harness case with nothing collected
/// by hand (or, with <c>--collect</c>, the CLI's old collection after each step) and prints, per step, resident memory,
/// minor faults, TorchSharp's live-tensor counts and the objects the runtime finalized since the previous step, by type
/// (the runtime's FinalizeObject events, through an in-process <see cref="EventListener"/>).
/// </summary>
public static class FinalizationProbe
{
    public const string Usage = "finalization-probe [lora|full] [fp32|bf16] [batch=8] [sequence=256] [steps=10] [--ckpt] [--tiny] [--collect]\n" +
        "         finalization-probe generation [replies=20] [--tiny] [--collect]   (sampled: temperature, top-k, top-p, repetition penalty)";

    public static int RunCommand(IReadOnlyList<string> arguments, TextWriter output)
    {
        if (arguments.Contains("generation"))
        {
            int replies = arguments.Where(a => int.TryParse(a, out _)).Select(int.Parse).FirstOrDefault(20);
            RunGeneration(arguments.Contains("--tiny") ? BenchPlan.Gpt2Tiny : BenchPlan.Gpt2Small, replies, arguments.Contains("--collect"), output);
            return 0;
        }
        var numbers = arguments.Where(a => int.TryParse(a, out _)).Select(int.Parse).ToList();
        bool lora = !arguments.Contains("full");
        bool bf16 = arguments.Contains("bf16");
        var run = new FineTuningCase(arguments.Contains("--tiny") ? BenchPlan.Gpt2Tiny : BenchPlan.Gpt2Small,
            BatchSize: numbers.ElementAtOrDefault(0) is > 0 and var batch ? batch : 8,
            SequenceLength: numbers.ElementAtOrDefault(1) is > 0 and var sequence ? sequence : 256,
            lora, LoraRank: 16, bf16, WarmupSteps: 1, TimedSteps: (numbers.ElementAtOrDefault(2) is > 0 and var steps ? steps : 10) - 1,
            ActivationCheckpointing: arguments.Contains("--ckpt"));
        Run(run, collect: arguments.Contains("--collect"), output);
        return 0;
    }

    static void Run(FineTuningCase run, bool collect, TextWriter output)
    {
        var config = BenchPlan.ModelFor(run.Model);
        var directory = Directory.CreateTempSubdirectory("twinforge-finalization-probe-");
        using var finalizations = new FinalizationCounter();
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
            output.WriteLine($"{run.Name}{(collect ? ", collecting after each step" : ", nothing collected")}");
            output.WriteLine("step  RSS MB  peak MB  faults  live(thread)  Tensor.TotalCount  gen0/1/2  finalized since the last step");
            long faults = ProcessMemory.MinorPageFaults();
            int[] gcs = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            finalizations.TakeCounts();
            trainer.Run(onEvent: trainingEvent =>
            {
                if (trainingEvent is not StepCompleted step) return;
                if (collect)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
                long faultsNow = ProcessMemory.MinorPageFaults();
                int[] gcsNow = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
                var counts = finalizations.TakeCounts();
                output.WriteLine($"{step.Step,4}  {ProcessMemory.ResidentBytes() >> 20,6}  {ProcessMemory.PeakResidentBytes() >> 20,7}  {faultsNow - faults,6}  " +
                    $"{TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount,12}  {TorchSharp.torch.Tensor.TotalCount,17}  " +
                    $"{gcsNow[0] - gcs[0]}/{gcsNow[1] - gcs[1]}/{gcsNow[2] - gcs[2]}  " +
                    string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
                faults = faultsNow;
                gcs = gcsNow;
            }, resume: false);
            // What is still waiting: collect once at the end and count what that finalizes.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(500);
            var pending = finalizations.TakeCounts();
            output.WriteLine("finalized by one collection after the run: " + string.Join(", ", pending.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    static void RunGeneration(string modelName, int replies, bool collect, TextWriter output)
    {
        using var finalizations = new FinalizationCounter();
        var network = new CausalLanguageModel(BenchPlan.ModelFor(modelName));
        network.InitializeWeights(seed: 1);
        using var model = new PretrainedModel(network, new ByteLevelTokenizer());
        var options = new GenerationOptions { MaxNewTokens = 32, Temperature = 0.8, TopK = 20, TopP = 0.9, RepetitionPenalty = 1.1, Seed = 3 };
        output.WriteLine($"{modelName}, {replies} sampled replies of {options.MaxNewTokens} tokens{(collect ? ", collecting after each" : ", nothing collected")}");
        output.WriteLine("reply  RSS MB  faults  live(thread)  Tensor.TotalCount  finalized since the last reply");
        long faults = ProcessMemory.MinorPageFaults();
        finalizations.TakeCounts();
        for (int i = 1; i <= replies; i++)
        {
            model.Generate($"prompt number {i}: ", options);
            if (collect)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            long faultsNow = ProcessMemory.MinorPageFaults();
            output.WriteLine($"{i,5}  {ProcessMemory.ResidentBytes() >> 20,6}  {faultsNow - faults,6}  {TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount,12}  " +
                $"{TorchSharp.torch.Tensor.TotalCount,17}  " + string.Join(", ", finalizations.TakeCounts().OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
            faults = faultsNow;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(500);
        output.WriteLine("finalized by one collection after the replies: " +
            string.Join(", ", finalizations.TakeCounts().OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
    }

    /// <summary>Counts the runtime's FinalizeObject events (GC keyword, verbose) by the finalized object's type.</summary>
    sealed class FinalizationCounter : EventListener
    {
        const EventKeywords GcKeyword = (EventKeywords)0x1;
        readonly ConcurrentDictionary<nint, long> byTypeHandle = new();
        Dictionary<nint, string>? names;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "FinalizeObject" || e.Payload is null || e.PayloadNames is null) return;
            int index = e.PayloadNames.IndexOf("TypeID");
            if (index < 0) return;
            var typeId = e.Payload[index] switch { IntPtr p => (nint)p, ulong u => (nint)u, long l => (nint)l, var other => (nint)Convert.ToInt64(other) };
            byTypeHandle.AddOrUpdate(typeId, 1, (_, n) => n + 1);
        }

        /// <summary>Counts since the last call, by type name where the type is one of the loaded assemblies' own.</summary>
        public Dictionary<string, long> TakeCounts()
        {
            names ??= TypeNames();
            var result = new Dictionary<string, long>();
            foreach (var key in byTypeHandle.Keys.ToList())
            {
                if (!byTypeHandle.TryRemove(key, out long count)) continue;
                string name = names.TryGetValue(key, out var known) ? known : NameOf(key);
                result[name] = result.GetValueOrDefault(name) + count;
            }
            return result;
        }

        static string NameOf(nint typeHandle)
        {
            try { return Type.GetTypeFromHandle(RuntimeTypeHandle.FromIntPtr(typeHandle))?.ToString() ?? $"0x{typeHandle:x}"; }
            catch (Exception) { return $"0x{typeHandle:x}"; }
        }

        static Dictionary<nint, string> TypeNames()
        {
            var result = new Dictionary<nint, string>();
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                Type?[] types;
                try { types = assembly.GetTypes(); }
                catch (ReflectionTypeLoadException partial) { types = partial.Types; }
                foreach (var type in types)
                {
                    if (type is null || type.IsGenericTypeDefinition || type.IsInterface) continue;
                    try { result.TryAdd(type.TypeHandle.Value, type.FullName ?? type.Name); }
                    catch (Exception) { }
                }
            }
            return result;
        }
    }
}
