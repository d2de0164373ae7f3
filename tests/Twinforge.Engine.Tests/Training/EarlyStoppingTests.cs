using Twinforge.Engine.Training;

namespace Twinforge.Engine.Tests.Training;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void Stops_after_patience_evaluations_without_enough_improvement_and_keeps_the_best()
    {
        var stopping = new EarlyStopping(patience: 2, minimumImprovement: 0.01);
        Assert.True(stopping.Observe(10, 2.0));
        Assert.True(stopping.Observe(20, 1.5));
        Assert.False(stopping.Observe(30, 1.495)); // better, but by less than the minimum improvement
        Assert.False(stopping.ShouldStop);
        Assert.False(stopping.Observe(40, 1.7));
        Assert.True(stopping.ShouldStop);
        Assert.Equal(20, stopping.BestStep);
        Assert.Equal(1.5, stopping.BestLoss);
    }

    [Fact]
    public void An_improvement_resets_the_count_and_state_round_trips()
    {
        var stopping = new EarlyStopping(patience: 2);
        stopping.Observe(1, 1.0);
        stopping.Observe(2, 1.1);
        stopping.Observe(3, 0.9);
        Assert.Equal(0, stopping.EvaluationsWithoutImprovement);
        var copy = new EarlyStopping(patience: 2);
        copy.Restore(stopping.State);
        Assert.Equal(stopping.State, copy.State);
    }

    [Fact]
    public void A_non_finite_loss_is_never_the_best()
    {
        var stopping = new EarlyStopping(patience: 1);
        Assert.False(stopping.Observe(1, double.NaN));
        Assert.True(stopping.ShouldStop);
    }
}
