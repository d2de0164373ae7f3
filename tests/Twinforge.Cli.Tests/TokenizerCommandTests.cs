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
        Assert.Matches(@"read .*: \d+\.\d kB \(", stdout); // a small corpus in kB, not "0.0 MB"
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
    public void An_input_given_twice_and_an_empty_special_token_are_refused_naming_their_option()
    {
        var corpus = Corpus("corpus.txt", 2);

        var twice = CliTesting.Run("tokenizer", "train", "--input", corpus, corpus, "--vocab-size", "300", "--output", _temporary.File("out"));
        var empty = CliTesting.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "300", "--output", _temporary.File("out"), "--special", "<|endoftext|>", "");

        Assert.Equal(ExitCodes.BadInput, twice.ExitCode);
        Assert.Contains($"--input: {corpus} is given twice", twice.Error);
        Assert.Equal(ExitCodes.BadInput, empty.ExitCode);
        Assert.Contains("--special: a special token cannot be empty", empty.Error);
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

    /// <summary>A model's tokenizer is never replaced (its embeddings would no longer match); an earlier tokenizer only with --force.</summary>
    [Fact]
    public void Train_never_writes_into_a_model_or_a_folder_of_other_files_and_replaces_a_tokenizer_only_with_force()
    {
        var corpus = Corpus("corpus.txt", 50);
        var model = Directory.CreateDirectory(_temporary.File("model")).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), "{}");
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), "the model's own");
        var notes = Directory.CreateDirectory(_temporary.File("notes")).FullName;
        File.WriteAllText(Path.Combine(notes, "letter.txt"), "mine");
        string[] Train(string output, params string[] more) => ["tokenizer", "train", "--input", corpus, "--vocab-size", "280", "--output", output, .. more];

        var intoModel = CliTesting.Run(Train(model, "--force"));
        var intoNotes = CliTesting.Run(Train(notes, "--force"));
        Assert.Equal((ExitCodes.BadInput, ExitCodes.BadInput), (intoModel.ExitCode, intoNotes.ExitCode));
        Assert.Contains("is a model's directory", intoModel.Error);
        Assert.Contains("holds files a tokenizer is not (letter.txt)", intoNotes.Error);
        Assert.Equal("the model's own", File.ReadAllText(Path.Combine(model, "tokenizer.json")));

        var output = _temporary.File("tokenizer");
        Assert.Equal(0, CliTesting.Run(Train(output)).ExitCode);
        var again = CliTesting.Run(Train(output));
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Contains("already holds a tokenizer: add --force", again.Error);
        Assert.Equal(0, CliTesting.Run(Train(output, "--force")).ExitCode);
    }

    [Fact]
    public void Train_on_input_without_text_is_bad_input()
    {
        var empty = _temporary.File("empty.txt");
        File.WriteAllText(empty, "");

        var (exitCode, _, stderr) = CliTesting.Run("tokenizer", "train", "--input", empty, "--vocab-size", "300", "--output", _temporary.File("out"));

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"--input: {empty} holds no text", stderr);
        Assert.False(File.Exists(Path.Combine(_temporary.File("out"), "tokenizer.json")));

        var specialsOnly = _temporary.File("specials.txt");
        File.WriteAllText(specialsOnly, "<|endoftext|><|pad|>");
        var onlySpecials = CliTesting.Run("tokenizer", "train", "--input", specialsOnly, "--vocab-size", "300", "--output", _temporary.File("out"));
        Assert.Equal(ExitCodes.BadInput, onlySpecials.ExitCode);
        Assert.Contains($"--input: {specialsOnly} holds only special tokens, which are never learned from", onlySpecials.Error);
    }

    /// <summary>A held-out file that is not UTF-8 is refused before training, as the input is, not measured as replaced characters.</summary>
    [Fact]
    public void A_held_out_file_that_is_not_utf8_is_refused_at_its_line_before_training()
    {
        var binary = _temporary.File("held-out.bin");
        File.WriteAllBytes(binary, [.. "first line\nsecond "u8, 0xC3, 0x28, .. " line\n"u8]);
        var output = Path.Combine(_temporary.Path, "tokenizer");

        var (exitCode, stdout, stderr) = CliTesting.Run("tokenizer", "train", "--input", Corpus("corpus.txt", 50), "--vocab-size", "300", "--output", output,
            "--held-out", binary);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"{binary}:2: is not valid UTF-8 text: the bytes from offset 18 (counting from 0) are not UTF-8", stderr);
        Assert.DoesNotContain("read ", stdout); // refused before the input was read and trained on
        Assert.False(File.Exists(Path.Combine(output, "tokenizer.json")));
    }

    [Fact]
    public void Special_tokens_must_hold_the_end_of_text_token_and_the_chat_formats_markers()
    {
        var corpus = Corpus("corpus.txt", 20);
        string[] Train(params string[] more) => ["tokenizer", "train", "--input", corpus, "--vocab-size", "300", "--output", _temporary.File("out"), .. more];

        var noEnd = CliTesting.Run(Train("--special", "<s>", "</s>"));
        var chatMlWithout = CliTesting.Run(Train("--chat-template", "chatml", "--special", "<|endoftext|>"));
        var llama3Default = CliTesting.Run(Train("--chat-template", "llama3"));

        Assert.Equal((ExitCodes.BadInput, ExitCodes.BadInput, ExitCodes.BadInput), (noEnd.ExitCode, chatMlWithout.ExitCode, llama3Default.ExitCode));
        Assert.Contains("--special: <|endoftext|> must be among them", noEnd.Error);
        Assert.Contains("--chat-template chatml needs <|im_start|> and <|im_end|> among the special tokens", chatMlWithout.Error);
        Assert.Contains("--chat-template llama3 needs <|start_header_id|> and <|end_header_id|> and <|eot_id|>", llama3Default.Error);
        Assert.False(Directory.Exists(_temporary.File("out")));
        var llama3 = CliTesting.Run(Train("--chat-template", "llama3", "--special", "<|endoftext|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"));
        Assert.True(llama3.ExitCode == 0, llama3.Error);
    }
}
