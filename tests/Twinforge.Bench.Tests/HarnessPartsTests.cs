namespace Twinforge.Bench.Tests;

public sealed class HarnessPartsTests
{
    [Fact]
    public void Options_parse_every_flag_and_refuse_unknown_ones()
    {
        var options = HarnessOptions.Parse(["--quick", "--json", "out.json", "--in-process", "--warmup", "2", "--steps", "4"]);

        Assert.Equal(new HarnessOptions { Quick = true, JsonPath = "out.json", Isolation = HarnessIsolation.InProcess, WarmupSteps = 2, TimedSteps = 4 }, options);
        Assert.Equal((2, 4), (options.Plan().WarmupSteps, options.Plan().TimedSteps));
        Assert.Contains("--fast", Assert.Throws<ArgumentException>(() => HarnessOptions.Parse(["--fast"])).Message);
        Assert.Throws<ArgumentException>(() => HarnessOptions.Parse(["--steps", "0"]));
        Assert.Throws<ArgumentException>(() => HarnessOptions.Parse(["--json"]));
    }

    [Fact]
    public void The_full_plan_is_gpt2_124m_at_the_issues_shapes()
    {
        var plan = BenchPlan.Full;
        Assert.Equal((12, 768, 12, 50257, 1024), (plan.Model.LayerCount, plan.Model.HiddenSize, plan.Model.HeadCount, plan.Model.VocabularySize, plan.Model.MaxPositions));
        Assert.Equal([(4, 64), (8, 256)], plan.TrainingShapes);
        Assert.Equal((64, 128, 16, 16), (plan.PromptTokens, plan.NewTokens, plan.ConcurrentStreams, plan.LoraRank));
        var head = plan.MatmulShapes().Single(s => s.Name == "lm-head" && s.M == 256);
        Assert.Equal(2.0 * 256 * 768 * 50257, head.Flops);
        // 2 shapes × full/LoRA × fp32/bf16-mixed, and LoRA at 8 × 256 with activation checkpointing in both precisions.
        var cases = FineTuningCase.AllOf(plan);
        Assert.Equal(10, cases.Count);
        Assert.Equal(["lora fp32 8x256 ckpt", "lora bf16-mixed 8x256 ckpt"], cases.Where(c => c.ActivationCheckpointing).Select(c => c.Name));
    }

    [Fact]
    public void A_case_survives_its_trip_to_a_child_process()
    {
        var run = new FineTuningCase(BenchPlan.Gpt2Small, 8, 256, Lora: true, LoraRank: 16, BFloat16Mixed: true, WarmupSteps: 3, TimedSteps: 8);
        Assert.Equal(run, FineTuningCase.FromJson(run.ToJson()));
        Assert.Equal("lora bf16-mixed 8x256", run.Name);
        var checkpointed = run with { ActivationCheckpointing = true };
        Assert.Equal(checkpointed, FineTuningCase.FromJson(checkpointed.ToJson()));
    }

    [Fact]
    public void Median_of_odd_and_even_counts()
    {
        Assert.Equal(2.0, Median.Of([3.0, 1.0, 2.0]));
        Assert.Equal(2.5, Median.Of([4.0, 1.0, 2.0, 3.0]));
    }

    [Fact]
    public void Floors_are_met_at_the_target_and_ceilings_only_below_it()
    {
        Assert.True(new TargetCheck("t", "tok/s", 300, AtMost: false, 300, "x").Met);
        Assert.False(new TargetCheck("t", "bytes", 2e9, AtMost: true, 2e9, "x").Met);
        Assert.Null(new TargetCheck("t", "tok/s", 300, AtMost: false, null, "not measured").Met);
    }

    [Fact]
    public void Utilisation_is_over_the_faster_dtype_so_a_slow_bf16_cannot_push_it_past_one()
    {
        Assert.Equal(870, new CeilingReport(160, 870, "m", []).BestGflopsPerSecond); // Zen 4: bf16 the faster
        Assert.Equal(254, new CeilingReport(254, 164, "m", []).BestGflopsPerSecond); // Xeon without AMX: fp32 the faster
    }
}
