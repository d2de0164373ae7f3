using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Tests.Lora;

public sealed class LoraConfigTests
{
    [Fact]
    public void Scaling_is_alpha_over_r_or_alpha_over_root_r_with_rslora()
    {
        var config = new LoraConfig { Rank = 16, Alpha = 32, TargetModules = ["q_proj"] };
        Assert.Equal(2.0, config.Scaling);
        Assert.Equal(8.0, (config with { UseRsLora = true }).Scaling);
    }

    [Fact]
    public void Defaults_are_peft_like()
    {
        var config = new LoraConfig { TargetModules = LoraConfig.DefaultTargets(ModelFamily.Llama) };
        Assert.Equal(8, config.Rank);
        Assert.Equal(16, config.Alpha);
        Assert.Equal(0.0, config.Dropout);
        Assert.Equal(["c_attn", "c_proj", "c_fc"], LoraConfig.DefaultTargets(ModelFamily.Gpt2));
        Assert.Equal(7, config.TargetModules.Count);
        config.Validate();
    }

    [Theory]
    [InlineData(0, 16, 0.0, "rank")]
    [InlineData(8, 0, 0.0, "alpha")]
    [InlineData(8, double.NaN, 0.0, "alpha")]
    [InlineData(8, 16, 1.0, "dropout")]
    [InlineData(8, 16, -0.1, "dropout")]
    public void Out_of_range_settings_are_rejected_by_name(int rank, double alpha, double dropout, string named)
    {
        var config = new LoraConfig { Rank = rank, Alpha = alpha, Dropout = dropout, TargetModules = ["q_proj"] };
        var error = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Targets_must_be_given_once_and_well_formed()
    {
        Assert.Contains("no LoRA target modules", Assert.Throws<ArgumentException>(new LoraConfig().Validate).Message);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(
            new LoraConfig { TargetModules = ["q_proj"], TargetPattern = ".*" }.Validate).Message);
        Assert.Contains("not a valid regular expression", Assert.Throws<ArgumentException>(
            new LoraConfig { TargetPattern = "(q_proj" }.Validate).Message);
        Assert.Contains("invalid LoRA target module", Assert.Throws<ArgumentException>(
            new LoraConfig { TargetModules = [".q_proj"] }.Validate).Message);
    }

    [Fact]
    public void Every_setting_out_of_range_is_found_not_only_the_first()
    {
        var config = new LoraConfig { Rank = 0, Alpha = -1, Dropout = 1, TargetModules = ["q_proj", "v_proj."] };

        Assert.Equal(["Rank", "Alpha", "Dropout", "TargetModules"], config.FindProblems().Select(problem => problem.ParamName));
        Assert.Equal("Rank", Assert.Throws<ArgumentException>(config.Validate).ParamName);
        Assert.Empty((config with { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["q_proj"] }).FindProblems());
    }
}
