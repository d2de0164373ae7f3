using Twinforge.Engine.Training;

namespace Twinforge.Engine.Tests.Training;

public sealed class TrainingOptionsTests
{
    [Fact]
    public void Every_option_out_of_range_is_found_not_only_the_first()
    {
        var options = new TrainingOptions { Epochs = 0, LearningRate = -1, KeepLastCheckpoints = 0 };

        var problems = options.FindProblems();

        Assert.Equal(["Epochs", "LearningRate", "KeepLastCheckpoints"], problems.Select(problem => problem.ParamName));
        Assert.Equal(0, Assert.IsType<ArgumentOutOfRangeException>(problems[0]).ActualValue);
        Assert.Equal("Epochs", Assert.Throws<ArgumentOutOfRangeException>(options.Validate).ParamName);
        Assert.Empty(new TrainingOptions().FindProblems());
    }
}
