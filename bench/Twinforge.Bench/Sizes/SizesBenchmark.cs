using System.Text.Json;
using Twinforge.Engine.Training;
using static TorchSharp.torch;

namespace Twinforge.Bench.Sizes;

/// <summary>
/// <c>twinforge-bench sizes</c>: the published shapes of SmolLM2-360M, Qwen2.5-0.5B and Llama-3.2-1B with random
/// bfloat16 weights, each loaded, LoRA-trained and decoded in a fresh child process (<see cref="SizesShapeRunner"/>),
/// so each peak resident memory is that shape's alone. One table; every figure as JSON with <c>--json</c>.
/// </summary>
public static class SizesBenchmark
{
    public const string Command = "sizes";
    public const string ShapeCommand = "sizes-shape";
    public const string Usage =
        "sizes [--shape qwen2.5-0.5b|smollm2-360m|llama-3.2-1b|all] [--json FILE] [--cache DIR] [--batch N] [--sequence N] [--warmup N] [--steps N] [--new-tokens N] [--scaled] [--in-process]" +
        "   (published shapes, random bf16 weights: load time, peak RSS, LoRA tok/s and MFU, prompt and decoding tok/s)";

    /// <summary>Peak resident memory each shape must stay under while LoRA trains (the issue's targets on a 24 GB machine).</summary>
    public static IReadOnlyDictionary<string, long> PeakTargets { get; } = new Dictionary<string, long>
    {
        [ModelShapes.Qwen25HalfBillion.Name] = 6_000_000_000, [ModelShapes.Llama32OneBillion.Name] = 12_000_000_000,
    };

    /// <summary>LoRA model-FLOP utilisation the issue asks for where bf16 products are fast.</summary>
    public const double MfuTarget = 0.35;

    public static int RunCommand(string[] args, TextWriter output)
    {
        var plan = new SizesPlan();
        string shapeName = "all", cache = null!, json = null!;
        bool inProcess = false;
        int Count(int i, int least) => i < args.Length && int.TryParse(args[i], out var n) && n >= least
            ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {least}");
        string Value(int i) => i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--shape": shapeName = Value(++i); break;
                case "--json": json = Value(++i); break;
                case "--cache": cache = Value(++i); break;
                case "--batch": plan = plan with { BatchSize = Count(++i, 1) }; break;
                case "--sequence": plan = plan with { SequenceLength = Count(++i, 2) }; break;
                case "--warmup": plan = plan with { WarmupSteps = Count(++i, 1) }; break;
                case "--steps": plan = plan with { TimedSteps = Count(++i, 1) }; break;
                case "--new-tokens": plan = plan with { NewTokens = Count(++i, 2) }; break;
                case "--scaled": plan = plan with { Scaled = true }; break;
                case "--in-process": inProcess = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; usage: twinforge-bench {Usage}");
            }
        }
        var report = Measure(plan, plan.Shapes(shapeName), cache ?? RandomModelDirectory.DefaultCacheRoot(), inProcess, output);
        if (json is not null)
        {
            Twinforge.Storage.AtomicFile.WriteAllText(json, JsonSerializer.Serialize(report, BenchReport.SerializerOptions));
            output.WriteLine($"figures written to {json}");
        }
        return 0;
    }

    public static SizesReport Measure(SizesPlan plan, IReadOnlyList<ModelShape> shapes, string cacheRoot, bool inProcess, TextWriter output)
    {
        double loadBefore = MachineInfo.LoadAverage();
        var machine = MachineInfo.Current();
        output.WriteLine($"sizes: {string.Join(", ", shapes.Select(s => s.Name))}; LoRA rank {plan.LoraRank} at {plan.BatchSize}x{plan.SequenceLength}, " +
                         $"{plan.WarmupSteps} warm-up + {plan.TimedSteps} timed steps; {plan.PromptTokens}-token prompt, {plan.NewTokens} new tokens");
        if (MachineInfo.ContentionWarning(loadBefore) is string warning) output.WriteLine(warning);
        // The ceiling MFU is measured against: the better product rate of fp32 and bf16 (SpeedCheck's GPT-2 MLP shape).
        double float32Rate = SpeedCheck.BestGflopsPerSecond(ScalarType.Float32, 256, 768, 3072, warmups: 1, repeats: 5);
        double bfloat16Rate = SpeedCheck.BestGflopsPerSecond(ScalarType.BFloat16, 256, 768, 3072, warmups: 1, repeats: 3);
        double ceiling = Math.Max(float32Rate, bfloat16Rate);
        var measurements = new List<SizesMeasurement>();
        foreach (var shape in shapes)
        {
            var directory = RandomModelDirectory.Ensure(shape, cacheRoot, output);
            var measured = inProcess ? SizesShapeRunner.Run(plan, shape, directory, output) : InChild(plan, shape, directory, output);
            measurements.Add(measured with { ModelFlopUtilization = measured.FlopsPerToken * measured.LoraTokensPerSecond / (ceiling * 1e9) });
        }
        var report = new SizesReport
        {
            Date = DateTimeOffset.UtcNow, GitCommit = GitCommit.Describe(), Machine = machine, LoadAverageBefore = loadBefore,
            LoadAverageAfter = MachineInfo.LoadAverage(), Isolation = inProcess ? "in-process" : "child-process",
            Float32GflopsPerSecond = float32Rate, BFloat16GflopsPerSecond = bfloat16Rate, Plan = plan, Shapes = measurements,
        };
        SizesTable.Write(report, output);
        return report;
    }

    static SizesMeasurement InChild(SizesPlan plan, ModelShape shape, string directory, TextWriter output)
    {
        var resultFile = Path.Combine(Path.GetTempPath(), $"twinforge-bench-sizes-{Guid.NewGuid():N}.json");
        try
        {
            SelfInvocation.Run([ShapeCommand, "--plan", plan.ToJson(), "--shape", shape.Name, "--directory", directory, "--result", resultFile], output);
            return JsonSerializer.Deserialize<SizesMeasurement>(File.ReadAllText(resultFile), BenchReport.SerializerOptions)
                ?? throw new InvalidDataException($"the child measuring {shape.Name} wrote no figures");
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    /// <summary>The child's side: <c>sizes-shape --plan JSON --shape NAME --directory DIR --result FILE</c>.</summary>
    public static int RunShape(string[] arguments, TextWriter output)
    {
        string Option(string name)
        {
            int index = Array.IndexOf(arguments, name);
            return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : throw new ArgumentException($"{ShapeCommand} needs {name} VALUE");
        }
        var plan = SizesPlan.FromJson(Option("--plan"));
        var shapeName = Option("--shape");
        var shape = plan.Shapes("all").FirstOrDefault(s => s.Name == shapeName) ?? throw new ArgumentException($"--shape: unknown shape '{shapeName}'");
        var measurement = SizesShapeRunner.Run(plan, shape, Option("--directory"), output);
        Twinforge.Storage.AtomicFile.WriteAllText(Option("--result"), JsonSerializer.Serialize(measurement, BenchReport.SerializerOptions));
        return 0;
    }
}
