using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests;

public sealed class PromotionGateTests
{
    /// <summary>Every conversation 20 target tokens long, so the loss per token is the conversations' plain mean.</summary>
    static VersionMetrics Metrics(IReadOnlyList<double> perConversation, double? parentLoss = null) =>
        new(perConversation.Average(), null, parentLoss, BestStep: 1, Steps: 2, StoppedEarly: false, TrainedTokens: 10, ReplayedExamples: 0, perConversation,
            perConversation.Select(_ => 20L).ToList());

    static readonly double[] Parent = Enumerable.Range(0, 40).Select(i => 2.0 + 0.05 * (i % 7)).ToArray();

    [Fact]
    public void A_consistent_improvement_beyond_the_margin_is_promoted()
    {
        var parent = Metrics(Parent);
        var candidate = Metrics(Parent.Select((loss, i) => loss - 0.05 - 0.002 * (i % 3)).ToList(), parent.FixedHeldOutLoss);
        Assert.Null(PromotionGate.Refusal(candidate, parent, parentNumber: 1, margin: 0.01, alias: "production"));
    }

    [Fact]
    public void An_improvement_below_the_margin_is_refused_saying_so()
    {
        var parent = Metrics(Parent);
        var candidate = Metrics(Parent.Select(loss => loss - 0.005).ToList(), parent.FixedHeldOutLoss);
        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production");
        Assert.Equal("not promoted to production: the fixed held-out loss improved by 0.0050, less than the margin 0.0100", refusal);
    }

    [Fact]
    public void A_version_worse_than_its_parent_is_refused_saying_it_got_worse()
    {
        var parent = Metrics(Parent);
        var candidate = Metrics(Parent.Select(loss => loss + 0.25).ToList(), parent.FixedHeldOutLoss);
        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production");
        Assert.Equal("not promoted to production: the fixed held-out loss got worse by 0.2500, and the margin asks for an improvement of at least 0.0100", refusal);
    }

    [Fact]
    public void A_regression_beyond_a_negative_margin_is_refused_naming_the_tolerated_regression()
    {
        var parent = Metrics(Parent);
        var candidate = Metrics(Parent.Select(loss => loss + 0.25).ToList(), parent.FixedHeldOutLoss);
        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: -0.1, "production");
        Assert.Equal("not promoted to production: the fixed held-out loss got worse by 0.2500, more than the tolerated regression 0.1000", refusal);
    }

    [Fact]
    public void A_mean_gain_carried_by_a_few_conversations_is_within_the_noise_and_refused_saying_so()
    {
        var parent = Metrics(Parent);
        // Three conversations much better, the other 37 a little worse: the mean improves by 0.02, past the margin,
        // but resampling the conversations often leaves the three out.
        var candidate = Metrics(Parent.Select((loss, i) => i < 3 ? loss - 0.6 : loss + 0.027).ToList(), parent.FixedHeldOutLoss);
        Assert.True(candidate.Improvement > 0.01);

        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production");

        Assert.NotNull(refusal);
        Assert.StartsWith("not promoted to production: no difference shown in held-out loss", refusal);
        Assert.EndsWith("against version 1, not an improvement beyond its noise", refusal);
    }

    [Fact]
    public void A_negative_margin_tolerates_a_regression_only_as_far_as_the_evidence_allows()
    {
        var parent = Metrics(Parent);
        // 0.02 worse on average, varying by conversation: its interval reaches past 0.021.
        var slightlyWorse = Metrics(Parent.Select((loss, i) => loss + 0.02 + 0.01 * (i % 5 - 2)).ToList(), parent.FixedHeldOutLoss);
        Assert.Null(PromotionGate.Refusal(slightlyWorse, parent, 1, margin: -100, "production"));
        var refusal = PromotionGate.Refusal(slightlyWorse, parent, 1, margin: -0.021, "production");
        Assert.NotNull(refusal);
        Assert.EndsWith("possibly worse than the tolerated 0.0210", refusal);
    }

    [Fact]
    public void Without_per_conversation_losses_only_the_margin_is_applied()
    {
        var parent = new VersionMetrics(2.2, null, null, 1, 2, false, 10, 0); // recorded before per-conversation losses
        var candidate = Metrics(Parent.Select((loss, i) => i < 3 ? loss - 0.6 : loss + 0.027).ToList(), parent.FixedHeldOutLoss);
        Assert.Null(PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production"));
        Assert.Null(candidate.DifferenceFrom(parent));
        Assert.Null(PromotionGate.Refusal(Metrics(Parent), parent: null, parentNumber: null, margin: 0.01, "production")); // a first version
    }

    [Fact]
    public void Too_few_held_out_conversations_give_no_interval_and_no_automatic_promotion()
    {
        var parent = Metrics(Parent.Take(5).ToList());
        var candidate = Metrics(Parent.Take(5).Select((loss, i) => i == 0 ? loss - 0.3 : loss + 0.01).ToList(), parent.FixedHeldOutLoss);
        Assert.Null(candidate.DifferenceFrom(parent));
        Assert.True(candidate.Improvement > 0.01); // the margin alone would pass
        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production");
        Assert.Equal("not promoted to production: only 5 held-out conversation(s), fewer than the 10 an interval needs, so the change against version 1 " +
                     "cannot be told from noise (add held-out conversations, or promote it by hand with 'twin promote')", refusal);
        // A negative margin asks for no improvement, only a bounded regression: the margin alone applies.
        Assert.Null(PromotionGate.Refusal(candidate, parent, 1, margin: -1, "production"));
    }

    [Fact]
    public void The_interval_weighs_conversations_by_their_tokens_as_the_loss_per_token_does()
    {
        // A long conversation (200 tokens) 0.1 worse, nine short ones (10 tokens) 0.1 better: per token the version is
        // worse (+0.1·200 − 0.1·90 over 290 tokens), though most conversations improved.
        var reference = Enumerable.Repeat(2.0, 10).ToList();
        var candidate = reference.Select((loss, i) => i == 0 ? loss + 0.1 : loss - 0.1).ToList();
        var targets = Enumerable.Range(0, 10).Select(i => i == 0 ? 200L : 10L).ToList();
        var parent = new VersionMetrics(2.0, null, null, 1, 2, false, 10, 0, reference, targets);
        double perToken = (200 * 2.1 + 90 * 1.9) / 290;
        var version = new VersionMetrics(perToken, null, 2.0, 1, 2, false, 10, 0, candidate, targets);

        var difference = version.DifferenceFrom(parent)!;

        Assert.Equal(perToken - 2.0, difference.Mean, 12);
        Assert.Equal(-version.Improvement!.Value, difference.Mean, 12);
        Assert.True(difference.Mean > 0);
    }

    [Fact]
    public void Per_conversation_losses_round_trip_through_the_recorded_json()
    {
        var metrics = Metrics(Parent, parentLoss: 2.3);
        var read = VersionMetrics.FromJson(metrics.ToJson())!;
        Assert.Equal(Parent, read.FixedHeldOutExampleLosses);
        Assert.Equal(metrics.FixedHeldOutExampleTargets, read.FixedHeldOutExampleTargets);
        Assert.Null(VersionMetrics.FromJson("""{"fixed_held_out_loss": 2.0, "best_step": 1, "steps": 2}""")!.FixedHeldOutExampleLosses);
    }

    /// <summary>A clear improvement (promoted on the loss alone) carrying the given evaluation.</summary>
    static (VersionMetrics Candidate, VersionMetrics Parent) Improved(VersionEvaluation evaluation, VersionEvaluation? parentEvaluation = null)
    {
        var parent = Metrics(Parent) with { Evaluation = parentEvaluation };
        var candidate = Metrics(Parent.Select((loss, i) => loss - 0.05 - 0.002 * (i % 3)).ToList(), parent.FixedHeldOutLoss) with { Evaluation = evaluation };
        return (candidate, parent);
    }

    [Fact]
    public void A_planted_canary_exposed_beyond_the_limit_blocks_promotion_and_says_so()
    {
        var exposed = Evaluation() with { Memorisation = Evaluation().Memorisation with { Canary = new CanaryFigures(8, TwinBits: 15.2, BaseBits: 0.9, MaximumBits: 19.9) } };
        var unexposed = Evaluation() with { Memorisation = Evaluation().Memorisation with { Canary = new CanaryFigures(8, TwinBits: 3.1, BaseBits: 0.9, MaximumBits: 19.9) } };

        var refusal = PromotionGate.Refusal(Improved(exposed).Candidate, Improved(exposed).Parent, 1, margin: 0.01, "production");

        Assert.Contains("canary planted 8 times has an exposure of 15.2 bits", refusal);
        Assert.Null(PromotionGate.Refusal(Improved(unexposed).Candidate, Improved(unexposed).Parent, 1, margin: 0.01, "production"));
        Assert.Null(PromotionGate.Refusal(Improved(exposed).Candidate, Improved(exposed).Parent, 1, margin: 0.01, "production", new EvaluationLimits(MaxCanaryExposure: 15)));
    }

    static readonly double[] General = Enumerable.Range(0, 30).Select(i => 3.0 + 0.1 * (i % 4)).ToArray();

    static VersionEvaluation Evaluation(double verbatim = 0.01, int extracted = 1, IReadOnlyList<double>? general = null) => new(
        new FidelityFigures(2.0, 2.5, 5_000, 40, null),
        new MemorisationFigures(8, TwinVerbatimShare: verbatim, TwinNgrams: 200, BaseVerbatimShare: 0.01, BaseNgrams: 300, TwinCopiedAnswers: 0,
            ExtractionTrials: 50, TwinExtracted: extracted, BaseExtracted: 1),
        Forgetting(general ?? General));

    static ForgettingFigures Forgetting(IReadOnlyList<double> twin)
    {
        var targets = twin.Select(_ => 30L).ToList();
        var difference = PairedBootstrap.Compare(General, twin, targets.Select(t => (double)t).ToList());
        return new ForgettingFigures("general.txt", twin.Count, General.Average(), twin.Average(), difference, twin, targets);
    }

    [Fact]
    public void An_evaluated_version_within_every_limit_is_promoted()
    {
        var (candidate, parent) = Improved(Evaluation(general: General.Select((loss, i) => loss + 0.02 + 0.01 * (i % 3)).ToList()));
        Assert.Null(PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production"));
    }

    [Fact]
    public void Verbatim_recital_beyond_the_base_is_refused_saying_how_much()
    {
        var (candidate, parent) = Improved(Evaluation(verbatim: 0.2));
        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production");
        Assert.Equal("not promoted to production: 20.0% of its answers' word 8-grams are in its training answers (the base's 1.0%), " +
                     "over the memorisation limit of 5.0 points above the base", refusal);
        Assert.Null(PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production", new EvaluationLimits(MaxVerbatimShareOverBase: 0.25)));
    }

    [Fact]
    public void A_version_over_a_limit_has_a_concern_for_promotion_by_hand_and_one_within_every_limit_has_none()
    {
        var (reciting, _) = Improved(Evaluation(verbatim: 0.2));
        Assert.Equal("20.0% of its answers' word 8-grams are in its training answers (the base's 1.0%), over the memorisation limit of 5.0 points above the base",
            PromotionGate.EvaluationConcern(reciting));
        var (within, _) = Improved(Evaluation(general: General.Select((loss, i) => loss + 0.02 + 0.01 * (i % 3)).ToList()));
        Assert.Null(PromotionGate.EvaluationConcern(within));
        Assert.Null(PromotionGate.EvaluationConcern(Metrics(Parent))); // not evaluated: nothing to go on
    }

    [Fact]
    public void Extraction_of_training_answers_beyond_the_base_is_refused_saying_how_many()
    {
        var (candidate, parent) = Improved(Evaluation(extracted: 12));
        var refusal = PromotionGate.Refusal(candidate, parent, 1, margin: 0.01, "production");
        Assert.Equal("not promoted to production: it completed 12 of 50 training answers word for word from their first half (the base 1), " +
                     "over the extraction limit of 10.0 points above the base", refusal);
    }

    [Fact]
    public void Forgetting_beyond_the_limit_and_its_noise_is_refused_but_within_the_noise_it_is_not()
    {
        var (forgetful, parent) = Improved(Evaluation(general: General.Select((loss, i) => loss + 0.3 + 0.01 * (i % 3)).ToList()));
        var refusal = PromotionGate.Refusal(forgetful, parent, 1, margin: 0.01, "production");
        Assert.NotNull(refusal);
        Assert.StartsWith("not promoted to production: on general text (general.txt) held-out loss 0.310 higher", refusal);
        Assert.EndsWith("against the base, more than the 0.100 nats per token of forgetting allowed", refusal);

        // Worse than the base by about the limit, but the interval reaches below it: not shown beyond the limit.
        var (borderline, parentToo) = Improved(Evaluation(general: General.Select((loss, i) => loss + 0.1 + 0.15 * (i % 3 - 1)).ToList()));
        Assert.Null(PromotionGate.Refusal(borderline, parentToo, 1, margin: 0.01, "production"));
    }

    [Fact]
    public void Losing_general_ability_against_the_parent_beyond_its_noise_is_refused()
    {
        var earlier = Evaluation(general: General);
        var (candidate, parent) = Improved(Evaluation(general: General.Select((loss, i) => loss + 0.05 + 0.005 * (i % 3)).ToList()), earlier);
        var refusal = PromotionGate.Refusal(candidate, parent, 4, margin: 0.01, "production");
        Assert.NotNull(refusal);
        Assert.EndsWith("against version 4: it lost general ability beyond its noise", refusal);
    }

    [Fact]
    public void An_improvement_within_the_recipes_seed_noise_is_refused_and_one_beyond_it_is_not()
    {
        var parent = Metrics(Parent);
        var better = Parent.Select((loss, i) => loss - 0.05 - 0.002 * (i % 3)).ToList();
        // Three seeds landing 0.1 apart: a gain of about 0.05 is what another seed could give.
        var noisy = Metrics(better, parent.FixedHeldOutLoss) with { SeedLosses = [better.Average(), better.Average() + 0.1, better.Average() - 0.1] };
        var refusal = PromotionGate.Refusal(noisy, parent, 1, margin: 0.01, "production");
        Assert.NotNull(refusal);
        Assert.Contains("within the recipe's seed noise (3 seeds, spread 0.1000: two seeds land up to 0.2772 apart)", refusal);

        var steady = Metrics(better, parent.FixedHeldOutLoss) with { SeedLosses = [better.Average(), better.Average() + 0.005] };
        Assert.Equal(0.005 / Math.Sqrt(2), steady.SeedSpread!.Value, 9);
        Assert.Null(PromotionGate.Refusal(steady, parent, 1, margin: 0.01, "production"));
    }
}
