using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class CorpusCommandTests
{
    [Fact]
    public void Corpus_english_help_names_its_options_and_their_defaults()
    {
        var help = Run("corpus", "english", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--output", help.Output);
        // Help wraps long descriptions: compare with runs of whitespace as one space.
        Assert.Contains("[default: the cache's corpora directory]", System.Text.RegularExpressions.Regex.Replace(help.Output, @"\s+", " "));
        Assert.Contains("--cache", help.Output);
    }

    [Fact]
    public void An_output_that_is_a_file_is_refused_before_anything_is_fetched()
    {
        using var directory = new TemporaryDirectory();
        var file = directory.File("not-a-directory");
        File.WriteAllText(file, "x");

        var result = Run("corpus", "english", "--output", file, "--cache", directory.File("cache"));

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("--output", result.Error);
        Assert.False(Directory.Exists(directory.File("cache")));
    }
}
