namespace Twinforge.Bench;

/// <summary>The harness's command line: <c>[--quick] [--json PATH] [--in-process] [--warmup N] [--steps N]</c>.</summary>
public sealed record HarnessOptions
{
    public bool Quick { get; init; }
    public string? JsonPath { get; init; }
    public HarnessIsolation Isolation { get; init; } = HarnessIsolation.ChildProcess;
    public int? WarmupSteps { get; init; }
    public int? TimedSteps { get; init; }

    /// <summary>The plan these options select, with step counts overridden where given.</summary>
    public BenchPlan Plan() => BenchPlan.For(Quick) with
    {
        WarmupSteps = WarmupSteps ?? BenchPlan.For(Quick).WarmupSteps,
        TimedSteps = TimedSteps ?? BenchPlan.For(Quick).TimedSteps,
    };

    public const string Usage = "[--quick] [--json PATH] [--in-process] [--warmup N] [--steps N]";

    /// <exception cref="ArgumentException">An unknown option or a missing or invalid value.</exception>
    public static HarnessOptions Parse(IReadOnlyList<string> arguments)
    {
        var options = new HarnessOptions();
        for (int i = 0; i < arguments.Count; i++)
        {
            string Value() => i + 1 < arguments.Count ? arguments[++i] : throw new ArgumentException($"{arguments[i]} needs a value");
            int Count()
            {
                var name = arguments[i];
                return int.TryParse(Value(), out var n) && n >= 1 ? n : throw new ArgumentException($"{name} needs a whole number of at least 1");
            }
            options = arguments[i] switch
            {
                "--quick" => options with { Quick = true },
                "--json" => options with { JsonPath = Value() },
                "--in-process" => options with { Isolation = HarnessIsolation.InProcess },
                "--warmup" => options with { WarmupSteps = Count() },
                "--steps" => options with { TimedSteps = Count() },
                var unknown => throw new ArgumentException($"unknown option '{unknown}'; expected {Usage}"),
            };
        }
        return options;
    }
}
