namespace Twinforge.Bench;

/// <summary>
/// Training throughput, step time, memory and optimizer state of every <see cref="FineTuningCase"/> of a plan,
/// each case in its own child process unless told otherwise.
/// </summary>
public static class FineTuningBenchmark
{
    /// <summary>The child-process command that measures one case and writes its figures to a JSON file.</summary>
    public const string CaseCommand = "fine-tuning-case";

    public static IReadOnlyList<FineTuningMeasurement> Measure(BenchPlan plan, HarnessIsolation isolation, TextWriter output)
    {
        var cases = FineTuningCase.AllOf(plan);
        output.WriteLine($"fine-tuning: {cases.Count} cases of {plan.ModelName}, {(isolation == HarnessIsolation.ChildProcess ? "each in its own process" : "in this process")}");
        return cases.Select(run => isolation == HarnessIsolation.ChildProcess ? InChild(run, output) : FineTuningCaseRunner.Run(run, isolated: false, output)).ToList();
    }

    static FineTuningMeasurement InChild(FineTuningCase run, TextWriter output)
    {
        var resultFile = Path.Combine(Path.GetTempPath(), $"twinforge-bench-case-{Guid.NewGuid():N}.json");
        try
        {
            SelfInvocation.Run([CaseCommand, "--case", run.ToJson(), "--result", resultFile], output);
            return System.Text.Json.JsonSerializer.Deserialize<FineTuningMeasurement>(File.ReadAllText(resultFile), BenchReport.SerializerOptions)
                ?? throw new InvalidDataException($"the child measuring {run.Name} wrote no figures");
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    /// <summary>The child's side: <c>fine-tuning-case --case JSON --result PATH</c>.</summary>
    public static int RunCase(string[] arguments, TextWriter output)
    {
        var caseJson = Option(arguments, "--case");
        var resultFile = Option(arguments, "--result");
        var measurement = FineTuningCaseRunner.Run(FineTuningCase.FromJson(caseJson), isolated: true, output);
        File.WriteAllText(resultFile, System.Text.Json.JsonSerializer.Serialize(measurement, BenchReport.SerializerOptions));
        return 0;
    }

    static string Option(string[] arguments, string name)
    {
        int index = Array.IndexOf(arguments, name);
        if (index < 0 || index + 1 >= arguments.Length) throw new ArgumentException($"{CaseCommand} needs {name} VALUE");
        return arguments[index + 1];
    }
}
