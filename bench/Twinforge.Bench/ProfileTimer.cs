using System.Diagnostics;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>The timing the profiling commands share: a median over repeats, each in its own dispose scope.</summary>
public static class ProfileTimer
{
    /// <summary>Median milliseconds of <paramref name="work"/> over <paramref name="repeats"/> runs after two warm-ups.</summary>
    public static double MedianMs(int repeats, Func<object> work)
    {
        for (int i = 0; i < 2; i++) using (NewDisposeScope()) work();
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            work();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
