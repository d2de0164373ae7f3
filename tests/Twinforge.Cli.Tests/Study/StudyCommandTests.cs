using System.Text.Json;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests.Study;

[Collection("Torch")]
public sealed class StudyCommandTests
{
    [Fact]
    public void The_study_trains_both_methods_on_nested_shares_and_reports_the_curve()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("base"));
        var training = ChatData(directory.File("train.jsonl"), 16);
        var validation = ChatData(directory.File("held-out.jsonl"), 4, offset: 50);
        var output = directory.File("study");

        var (exitCode, text, error) = Run("study", "data-efficiency", "--base", model, "--data", training, "--validation", validation,
            "--fractions", "0.25,1", "--max-steps", "4", "--size", "tiny", "--output", output);

        Assert.True(exitCode == ExitCodes.Success, error + text);
        Assert.Contains("| share of data |", text);
        Assert.Contains("| 25% | 4 |", text);
        Assert.Contains("| 100% | 16 |", text);
        Assert.True(File.Exists(Path.Combine(output, "data-efficiency.png")));
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "study.json")));
        Assert.Equal(4, results.RootElement.GetProperty("points").GetArrayLength());
        Assert.Equal(2, results.RootElement.GetProperty("multiples").GetArrayLength());
        // Shares are nested: the quarter is a subset of the whole.
        var quarter = File.ReadAllLines(Path.Combine(output, "data", "25%.jsonl"));
        Assert.Subset(File.ReadAllLines(training).ToHashSet(), quarter.ToHashSet());
    }

    [Fact]
    public void Shares_outside_zero_to_one_are_bad_input()
    {
        var (exitCode, _, error) = Run("study", "data-efficiency", "--fractions", "0.5,2");
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains("'2'", error);
    }
}
