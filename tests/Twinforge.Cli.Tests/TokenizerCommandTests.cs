using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.Tests;

public sealed class TokenizerCommandTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    string Corpus(string name, int repeats)
    {
        var path = _temporary.File(name);
        File.WriteAllText(path, string.Concat(Enumerable.Range(0, repeats).Select(i =>
            $"The lighthouse keeper counted {i} ships tonight.\nShe wrote their names in the logbook.<|endoftext|>")));
        return path;
    }

    [Fact]
    public void Train_writes_a_tokenizer_that_loads_and_reports_compression()
    {
        var corpus = Corpus("corpus.txt", 200);
        var heldOut = _temporary.File("held-out.txt");
        File.WriteAllText(heldOut, "The keeper wrote the names of 7 ships.");
        var output = Path.Combine(_temporary.Path, "tokenizer");

        var (exitCode, stdout, stderr) = CliTesting.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "300", "--output", output,
            "--held-out", heldOut);

        Assert.True(exitCode == 0, stderr);
        var tokenizer = TokenizerLoader.Load(output);
        Assert.Equal(300, tokenizer.VocabularySize);
        Assert.Equal(296, tokenizer.TokenToId("<|endoftext|>"));
        Assert.Equal("plain", tokenizer.ChatTemplate.Name); // the default: a base pre-trained on text reads "User:" as words
        Assert.Contains("vocabulary 300 (256 bytes + 40 learned + 4 special), 40 merges", stdout);
        Assert.Matches(@"input: \d+\.\d\d bytes per token \([\d,]+ bytes, [\d,]+ tokens\)", stdout);
        Assert.Matches(@"held-out: \d+\.\d\d bytes per token \(38 bytes, [\d,]+ tokens\)", stdout);
        Assert.True(File.Exists(Path.Combine(output, "tokenizer_config.json")));
    }

    [Fact]
    public void The_chat_format_can_be_chosen_and_an_unknown_one_is_refused()
    {
        var corpus = Corpus("corpus.txt", 50);
        var output = Path.Combine(_temporary.Path, "chatml");
        var (exitCode, _, stderr) = CliTesting.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "280", "--output", output,
            "--chat-template", "chatml");
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("chatml", TokenizerLoader.Load(output).ChatTemplate.Name);

        (exitCode, _, stderr) = CliTesting.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "280", "--output",
            Path.Combine(_temporary.Path, "alpaca"), "--chat-template", "alpaca");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("alpaca", stderr);
        Assert.Contains("plain", stderr); // the choices are named
    }

    [Fact]
    public void Vocabulary_too_small_for_bytes_and_specials_names_the_option()
    {
        var corpus = Corpus("corpus.txt", 2);
        var (exitCode, _, stderr) = CliTesting.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "257", "--output",
            _temporary.File("out"), "--special", "<|endoftext|>", "<|pad|>");

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains("--vocab-size: must be at least 258 (256 byte symbols + 2 special tokens), got 257", stderr);
        Assert.False(Directory.Exists(_temporary.File("out")));
    }

    [Fact]
    public void Missing_input_file_is_named()
    {
        var missing = _temporary.File("nowhere.txt");
        var (exitCode, _, stderr) = CliTesting.Run("tokenizer", "train", "--input", missing, "--vocab-size", "1000", "--output", _temporary.File("out"));

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"--input: {missing} does not exist", stderr);
    }
}
