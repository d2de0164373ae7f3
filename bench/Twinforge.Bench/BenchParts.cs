namespace Twinforge.Bench;

/// <summary>Which measurements a harness run makes: <c>all</c> or one sub-command's.</summary>
[Flags]
public enum BenchParts
{
    Ceiling = 1,
    FineTuning = 2,
    Generation = 4,
    All = Ceiling | FineTuning | Generation,
}
