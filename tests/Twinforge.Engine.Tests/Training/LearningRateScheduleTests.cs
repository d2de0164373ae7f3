using Twinforge.Engine.Training;

namespace Twinforge.Engine.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Warmup_rises_linearly_to_the_peak()
    {
        var schedule = new LearningRateSchedule(PeakLearningRate: 1e-3, WarmupSteps: 4, TotalSteps: 20);
        Assert.Equal([2.5e-4, 5e-4, 7.5e-4, 1e-3], Enumerable.Range(0, 4).Select(schedule.At).ToArray());
    }

    [Fact]
    public void Cosine_decays_from_the_peak_through_the_midpoint_to_the_floor()
    {
        var schedule = new LearningRateSchedule(1.0, WarmupSteps: 10, TotalSteps: 110, ScheduleShape.Cosine, MinimumRatio: 0.1);
        Assert.Equal(1.0, schedule.At(10), 12);
        Assert.Equal(0.55, schedule.At(60), 12);            // half-way: floor + (peak − floor)/2
        Assert.Equal(0.1, schedule.At(110), 12);
        Assert.Equal(0.1, schedule.At(500), 12);            // held at the floor past the end
    }

    [Fact]
    public void Linear_decays_in_a_straight_line()
    {
        var schedule = new LearningRateSchedule(1.0, WarmupSteps: 0, TotalSteps: 100, ScheduleShape.Linear, MinimumRatio: 0.0);
        Assert.Equal(1.0, schedule.At(0), 12);
        Assert.Equal(0.75, schedule.At(25), 12);
        Assert.Equal(0.0, schedule.At(100), 12);
    }
}
