using Twinforge.Bench;

// twinforge-bench COMMAND [options]: each benchmark lives in its own file; this only dispatches.
// The host's heap policy, as the CLI sets it (NativeHeap): measured figures are those a CLI run gets.
Twinforge.Engine.NativeHeap.KeepFreedMemoryForReuse();
var output = Console.Out;
string command = args.Length > 0 ? args[0] : "--help";
var rest = args.Skip(1).ToArray();
try
{
    return command switch
    {
        "all" => Harness(BenchParts.All),
        "ceiling" => Harness(BenchParts.Ceiling),
        "fine-tuning" => Harness(BenchParts.FineTuning),
        "generation" => Harness(BenchParts.Generation),
        FineTuningBenchmark.CaseCommand => FineTuningBenchmark.RunCase(rest, output),
        "training" => TrainingThroughput.RunCommand(rest, output),
        "trainer" => TrainerThroughput.RunCommand(rest, output),
        "decode-profile" => DecodeProfile.RunCommand(rest, output),
        "batch-decode-profile" => BatchDecodeProfile.RunCommand(rest, output),
        "matvec-profile" => MatrixVectorProfile.RunCommand(rest, output),
        "step-profile" => TrainingStepProfile.RunCommand(rest, output),
        Twinforge.Bench.ServiceLoad.ServiceLoadBenchmark.Command => Twinforge.Bench.ServiceLoad.ServiceLoadBenchmark.RunCommand(rest, output),
        Twinforge.Bench.Serving.ServingBenchmark.Command => Twinforge.Bench.Serving.ServingBenchmark.RunCommand(rest, output),
        Twinforge.Bench.Watermark.WatermarkBenchmark.Command => Twinforge.Bench.Watermark.WatermarkBenchmark.RunCommand(rest, output),
        "finalization-probe" => FinalizationProbe.RunCommand(rest, output),
        Twinforge.Bench.Sizes.SizesBenchmark.Command => Twinforge.Bench.Sizes.SizesBenchmark.RunCommand(rest, output),
        Twinforge.Bench.Sizes.SizesBenchmark.ShapeCommand => Twinforge.Bench.Sizes.SizesBenchmark.RunShape(rest, output),
        "-h" or "--help" => Usage(0),
        _ => Usage(2),
    };
}
catch (ArgumentException error)
{
    Console.Error.WriteLine(error.Message);
    return 2;
}

int Harness(BenchParts parts)
{
    BenchHarness.Run(HarnessOptions.Parse(rest), parts, output);
    return 0;
}

int Usage(int exitCode)
{
    var writer = exitCode == 0 ? Console.Out : Console.Error;
    if (exitCode != 0) writer.WriteLine($"unknown benchmark '{command}'");
    writer.WriteLine($"usage: twinforge-bench all {HarnessOptions.Usage}");
    writer.WriteLine("         the matmul ceiling, GPT-2 124M training (full and LoRA, fp32 and bf16-mixed, 4x64 and 8x256) and generation,");
    writer.WriteLine("         in one run: one table, and the figures as JSON with --json; --quick runs a tiny model to check the harness");
    writer.WriteLine($"       twinforge-bench ceiling|fine-tuning|generation {HarnessOptions.Usage}   (one part of 'all')");
    writer.WriteLine($"       twinforge-bench {TrainingThroughput.Usage}");
    writer.WriteLine($"       twinforge-bench {TrainerThroughput.Usage}");
    writer.WriteLine($"       twinforge-bench {DecodeProfile.Usage}");
    writer.WriteLine($"       twinforge-bench {BatchDecodeProfile.Usage}");
    writer.WriteLine($"       twinforge-bench {MatrixVectorProfile.Usage}");
    writer.WriteLine($"       twinforge-bench {TrainingStepProfile.Usage}");
    writer.WriteLine($"       twinforge-bench {Twinforge.Bench.ServiceLoad.ServiceLoadBenchmark.Usage}");
    writer.WriteLine($"       twinforge-bench {Twinforge.Bench.Serving.ServingBenchmark.Usage}");
    writer.WriteLine($"       twinforge-bench {Twinforge.Bench.Watermark.WatermarkBenchmark.Usage}");
    writer.WriteLine($"       twinforge-bench {FinalizationProbe.Usage}");
    writer.WriteLine($"       twinforge-bench {Twinforge.Bench.Sizes.SizesBenchmark.Usage}");
    return exitCode;
}
