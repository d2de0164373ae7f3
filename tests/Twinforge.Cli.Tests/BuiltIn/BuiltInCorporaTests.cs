using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;

namespace Twinforge.Cli.Tests.BuiltIn;

[Collection("Torch")]
public sealed class BuiltInCorporaTests
{
    /// <summary>
    /// The persona's held-out tenth must ask many different questions: one repeated question cannot show that a twin
    /// answers what it is asked (the first files asked only "Why can't I log in?" there). Fetches a small Debian package.
    /// </summary>
    [Fact]
    public void The_persona_is_asked_many_different_questions_in_its_held_out_conversations()
    {
        using var directory = new TemporaryDirectory();
        var (training, validation) = new BuiltInCorpora(directory.Path).Creator();

        var heldOut = File.ReadLines(validation).Select(RunSamples.FirstUserTurn).ToList();
        Assert.True(heldOut.Count >= 40, $"{heldOut.Count} held-out conversations");
        Assert.All(heldOut, Assert.NotNull);
        var distinct = heldOut.Distinct().Count();
        Assert.True(distinct >= 15, $"only {distinct} different questions among {heldOut.Count} held-out conversations");
        Assert.True(heldOut.GroupBy(question => question).Max(group => group.Count()) <= heldOut.Count / 4, "one question dominates the held-out set");
        // Every question of the demo is asked in the training data, so the demo asks what the twin has seen asked.
        var trainingQuestions = File.ReadLines(training).Select(RunSamples.FirstUserTurn).ToHashSet();
        Assert.All(BuiltInCorpora.DemoQuestions, question => Assert.Contains(question, trainingQuestions));
    }

    [Fact]
    public void Distinct_prompts_skip_repeats_and_lines_that_are_not_chat()
    {
        string Line(string question) => $"{{\"messages\":[{{\"role\":\"system\",\"content\":\"s\"}},{{\"role\":\"user\",\"content\":\"{question}\"}}]}}";
        var lines = new[] { Line("hi"), "plain text", Line("hi"), "{\"messages\":[{\"role\":\"user\",\"content\":3}]}", Line("why?"), Line("how?") };

        Assert.Equal(["hi", "why?"], RunSamples.DistinctPrompts(lines, 2));
        Assert.Equal(["hi", "why?", "how?"], RunSamples.DistinctPrompts(lines, 10));
    }

    /// <summary>twin compare hands its prompts to Answer as they come: a repeated one once crashed it after training.</summary>
    [Fact]
    public void Answers_are_kept_by_position_so_a_repeated_prompt_is_no_crash()
    {
        using var directory = new TemporaryDirectory();
        var model = CliTesting.TinyModel(directory.File("model"));

        var samples = RunSamples.Answer(["hi", "hi", "why?"], [("version 1", () => Engine.PretrainedModel.Load(model))]);

        Assert.Equal(["hi", "hi", "why?"], samples.Samples.Select(sample => sample.Prompt));
        Assert.All(samples.Samples, sample => Assert.Equal(["version 1"], sample.Outputs.Keys));
    }
}
