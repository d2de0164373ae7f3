using Twinforge.Engine.Training;

namespace Twinforge.Engine.Tests.Training;

/// <summary>The overfitting signal on its own, from hand-made evaluations: where the gap began to widen, and whether
/// validation loss went past its best.</summary>
public sealed class OverfittingReportTests
{
    // Epoch is the batch iterator's next position: 1 once a whole pass over the training data is done.
    static EvaluationCompleted Evaluation(int step, double validation, double train, int epoch = 1) =>
        new(step, epoch, "interval", validation, Math.Exp(validation), 0.5, 100, train, validation - train, IsBest: false);

    [Fact]
    public void A_gap_that_shrinks_then_grows_widens_after_its_last_smallest_point()
    {
        var evaluations = new[]
        {
            Evaluation(10, validation: 2.0, train: 2.3),  // gap −0.3
            Evaluation(20, validation: 1.5, train: 1.6),  // gap −0.1
            Evaluation(30, validation: 1.4, train: 1.5),  // gap −0.1
            Evaluation(40, validation: 1.5, train: 1.2),  // gap +0.3
            Evaluation(50, validation: 1.7, train: 0.9),  // gap +0.8
        };

        var report = OverfittingReport.From(evaluations, stoppedEarly: true);

        Assert.Equal(0.8, report.FinalGap!.Value, 12);
        Assert.Equal(-0.3, report.SmallestGap!.Value, 12);
        Assert.Equal(10, report.GapWideningStep);
        Assert.True(report.ValidationLossRose);
        Assert.True(report.StoppedEarly);
    }

    [Fact]
    public void Widening_is_reported_from_the_last_evaluation_with_the_smallest_gap()
    {
        var evaluations = new[]
        {
            Evaluation(10, validation: 2.0, train: 2.0),  // gap 0
            Evaluation(20, validation: 1.8, train: 1.7),  // gap 0.1
            Evaluation(30, validation: 1.7, train: 1.7),  // gap 0 again: widening starts here, not at step 10
            Evaluation(40, validation: 1.75, train: 1.4), // gap 0.35
        };

        var report = OverfittingReport.From(evaluations, stoppedEarly: false);

        Assert.Equal(30, report.GapWideningStep);
        Assert.True(report.ValidationLossRose);
    }

    [Fact]
    public void A_diverged_runs_non_finite_evaluations_are_left_out_and_none_finite_gives_no_figures()
    {
        var diverging = new[] { Evaluation(10, 2.0, 2.1), Evaluation(20, 1.9, 1.7), Evaluation(30, double.NaN, 40.0), Evaluation(40, double.NaN, double.NaN) };
        var report = OverfittingReport.From(diverging, stoppedEarly: false);
        Assert.Equal(0.2, report.FinalGap!.Value, 12); // the last finite evaluation's
        Assert.Equal(-0.1, report.SmallestGap!.Value, 12);

        var neverFinite = OverfittingReport.From([Evaluation(10, double.NaN, 30.0), Evaluation(20, double.PositiveInfinity, double.NaN)], stoppedEarly: false);
        Assert.Null(neverFinite.FinalGap);
        Assert.Null(neverFinite.GapWideningStep);
        Assert.False(neverFinite.ValidationLossRose);
    }

    [Theory]
    [InlineData(0.015)] // within the tolerance: noise, not overfitting
    [InlineData(-0.05)] // validation still below training loss
    public void A_final_gap_within_noise_or_negative_is_no_widening(double finalGap)
    {
        var evaluations = new[] { Evaluation(10, 2.0, 2.0 + 0.01), Evaluation(20, 1.5, 1.5 - finalGap) };

        var report = OverfittingReport.From(evaluations, stoppedEarly: false);

        Assert.Null(report.GapWideningStep);
        Assert.False(report.ValidationLossRose); // validation loss fell to its best at the end
    }

    [Fact]
    public void A_gap_that_grows_before_any_example_is_read_again_is_not_called_overfitting()
    {
        // Pre-training's first pass: each batch is new text, so a gap that grows (the training loss is a lagging mean
        // since the last evaluation) is no sign of learning the training data by heart.
        var firstPass = new[] { Evaluation(6, 6.0, 6.5, epoch: 0), Evaluation(12, 5.5, 5.6, epoch: 0), Evaluation(18, 5.2, 5.0, epoch: 0) };
        Assert.Null(OverfittingReport.From(firstPass, stoppedEarly: false).GapWideningStep);
        Assert.Equal(0.2, OverfittingReport.From(firstPass, stoppedEarly: false).FinalGap!.Value, 12);

        // The same gaps once the data has been read again are the signal.
        var secondPass = firstPass.Append(Evaluation(24, 5.1, 4.7, epoch: 1)).ToArray();
        Assert.Equal(6, OverfittingReport.From(secondPass, stoppedEarly: false).GapWideningStep);
    }

    [Fact]
    public void Without_evaluations_nothing_is_claimed()
    {
        var report = OverfittingReport.From([], stoppedEarly: false);

        Assert.Equal(new OverfittingReport(null, null, null, false, false), report);
    }
}
