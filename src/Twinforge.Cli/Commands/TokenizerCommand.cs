using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Twinforge.Engine;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge tokenizer train --input FILE... --vocab-size N --output DIR</c>: learns a byte-level BPE tokenizer
/// from the user's text and writes tokenizer.json and tokenizer_config.json, reporting how well it compresses the
/// input (and a held-out file) in bytes per token.
/// </summary>
public static class TokenizerCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo[]>("--input") { Description = "UTF-8 text files to learn from", Required = true, AllowMultipleArgumentsPerToken = true }
            .AcceptOnlyFiles("a text file", mustExist: true);
        var vocabularySize = new Option<int>("--vocab-size") { Description = "Ids in all: 256 bytes + merges + special tokens", Required = true };
        var output = new Option<DirectoryInfo>("--output") { Description = "Directory for tokenizer.json and tokenizer_config.json", Required = true };
        var specials = new Option<string[]>("--special")
        {
            Description = "Special tokens, numbered after the learned vocabulary; never split [default: <|endoftext|> <|pad|> <|im_start|> <|im_end|>]",
            AllowMultipleArgumentsPerToken = true,
        };
        var minimumFrequency = new Option<int>("--min-frequency") { Description = "Merge no pair seen fewer times", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var preTokenizer = new Option<PreTokenizerRegex>("--pre-tokenizer")
        {
            Description = "The regex text is split with before merging (llama.cpp knows all three)", DefaultValueFactory = _ => PreTokenizerRegex.Llama3,
        };
        var chatTemplate = new Option<string>("--chat-template")
        {
            Description = "The chat format saved with it: plain (User:/Assistant: lines, which a base pre-trained on plain text reads as words), chatml or llama3",
            DefaultValueFactory = _ => ChatTemplates.Plain,
        };
        chatTemplate.AcceptOnlyFromAmong([.. ChatTemplates.Names]);
        var force = new Option<bool>("--force") { Description = "Replace a tokenizer trained earlier at --output [default: false]" };
        var heldOut = new Option<FileInfo>("--held-out") { Description = "A text file not trained on, to report compression on (default: none, the input only)" }
            .AcceptOnlyFiles("a text file", mustExist: true);
        var train = new Command("train", "Learn a byte-level BPE tokenizer (tokenizer.json) from text files.")
        {
            input, vocabularySize, output, specials, minimumFrequency, preTokenizer, chatTemplate, heldOut, force,
        };
        train.SetAction((result, cancellation) =>
        {
            var console = result.InvocationConfiguration.Output;
            var outputDirectory = result.GetValue(output)!.FullName;
            RequireDestination(outputDirectory, result.GetValue(force));
            var options = new BpeTrainerOptions
            {
                VocabularySize = result.GetValue(vocabularySize),
                MinimumPairFrequency = result.GetValue(minimumFrequency),
                SpecialTokens = result.GetValue(specials) is { Length: > 0 } given ? given : ByteLevelTokenizer.DefaultSpecialTokens,
                PreTokenizer = result.GetValue(preTokenizer),
                ChatTemplate = result.GetValue(chatTemplate),
            };
            if (options.VocabularySize < options.MinimumVocabularySize)
                throw new BadInputException($"--vocab-size: must be at least {options.MinimumVocabularySize} (256 byte symbols + " +
                    $"{options.SpecialTokens.Count} special tokens), got {options.VocabularySize}");
            try
            {
                options.Validate(); // repeated or empty --special tokens
            }
            catch (BadInputException e) when (e.Message.StartsWith("special tokens: ", StringComparison.Ordinal))
            {
                throw new BadInputException("--special: " + e.Message["special tokens: ".Length..], e);
            }
            RequireCoherentSpecials(options);

            var clock = Stopwatch.StartNew();
            var trainer = new BpeTrainer(options);
            var files = result.GetValue(input)!.Select(file => file.FullName).ToList();
            if (files.GroupBy(file => file, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1) is { } twice)
                throw new BadInputException($"--input: {twice.Key} is given twice; its text would count double in what is learned");
            // Read (and refused, if it is not UTF-8) before the training's minutes, not after them.
            string? heldOutText = result.GetValue(heldOut) is { } heldOutFile ? BpeTrainer.ReadText(heldOutFile.FullName) : null;
            foreach (var file in files)
            {
                long before = trainer.TextBytes;
                trainer.AddFile(file);
                console.WriteLine(Invariant($"read {file}: {Size(trainer.TextBytes - before)} ({clock.Elapsed.TotalSeconds:F1} s)"));
            }
            if (trainer.TextBytes == 0)
                throw new BadInputException($"--input: {string.Join(", ", files)} hold{(files.Count == 1 ? "s" : "")} no text: there is nothing to learn a vocabulary from");
            if (trainer.DistinctPieces == 0)
                throw new BadInputException($"--input: {string.Join(", ", files)} hold{(files.Count == 1 ? "s" : "")} only special tokens, which are never learned from: " +
                                            "there is nothing to learn a vocabulary from");
            int mergesWanted = options.VocabularySize - options.SpecialTokens.Count - ByteLevelTokenizer.ByteCount;
            var progress = new InlineProgress(merges =>
            {
                if (merges % 2048 == 0 && merges > 0) console.WriteLine(Invariant($"merges {merges:N0} / {mergesWanted:N0} ({clock.Elapsed.TotalSeconds:F1} s)"));
            });
            var trained = trainer.Train(progress, cancellation);
            var trainingTime = clock.Elapsed;
            trained.Tokenizer.Save(outputDirectory);

            var tokenizer = trained.Tokenizer;
            int learned = tokenizer.VocabularySize - options.SpecialTokens.Count - ByteLevelTokenizer.ByteCount;
            console.WriteLine(
                Invariant($"vocabulary {tokenizer.VocabularySize:N0} (256 bytes + {learned:N0} learned + {options.SpecialTokens.Count} special), ") +
                Invariant($"{trained.MergeCount:N0} merge{(trained.MergeCount == 1 ? "" : "s")} from {trained.DistinctPieces:N0} distinct pieces of {Size(trained.TextBytes)} in {trainingTime.TotalSeconds:F1} s"));
            if (trained.StoppedEarly)
                console.WriteLine(Invariant($"stopped before {options.VocabularySize:N0}: no pair left that occurs at least {options.MinimumPairFrequency} times"));
            console.WriteLine($"input: {Compression(tokenizer, files.Select(BpeTrainer.ReadText))}");
            if (heldOutText is not null) console.WriteLine($"held-out: {Compression(tokenizer, [heldOutText])}");
            console.WriteLine($"wrote {Path.Combine(outputDirectory, "tokenizer.json")} and tokenizer_config.json");
            return Task.FromResult(ExitCodes.Success);
        });
        return new Command("tokenizer", "Train tokenizers.") { train };
    }

    /// <summary>Bytes per token over the texts: what a tokenizer saves a model, in a figure comparable across tokenizers.</summary>
    static string Compression(ITokenizer tokenizer, IEnumerable<string> texts)
    {
        long bytes = 0, tokens = 0;
        foreach (var text in texts)
        {
            bytes += Encoding.UTF8.GetByteCount(text);
            tokens += tokenizer.Encode(text, parseSpecialTokens: true).Count;
        }
        if (tokens == 0) return "no text to measure it on (the file is empty)";
        return Invariant($"{(double)bytes / tokens:F2} bytes per token ({bytes:N0} bytes, {tokens:N0} tokens)");
    }

    /// <summary>A text's size as people read it: "17.3 kB", "57.1 MB".</summary>
    static string Size(long bytes) => bytes < 1_000_000 ? Invariant($"{bytes / 1e3:F1} kB") : Invariant($"{bytes / 1e6:F1} MB");

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reports on the training thread itself (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>The files a trained tokenizer is: all --force replaces.</summary>
    static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer_config.json"];

    /// <summary>
    /// A new or empty directory, or one holding only a tokenizer trained earlier, with --force. Never a model's
    /// directory (a new tokenizer there would no longer match the model's embeddings) nor one holding other files.
    /// </summary>
    static void RequireDestination(string directory, bool force)
    {
        OptionChecks.RequireOutputDirectory(directory, "--output");
        if (File.Exists(Path.Combine(directory, "config.json")))
            throw new BadInputException($"--output: {directory} is a model's directory: a new tokenizer would not match its embeddings; choose another --output");
        OptionChecks.RequireReplaceable(directory, force, TokenizerFiles, "a tokenizer");
    }

    /// <summary>
    /// Special tokens a tokenizer for a model needs (the engine's trainer also learns bare vocabularies): the end-of-text
    /// token, which is bos and eos (without it a model never learns where an answer ends), and the chat format's markers,
    /// which would otherwise be cut into learned pieces like any text.
    /// </summary>
    static void RequireCoherentSpecials(BpeTrainerOptions options)
    {
        if (!options.SpecialTokens.Contains(ByteLevelTokenizer.EndOfTextToken))
            throw new BadInputException($"--special: {ByteLevelTokenizer.EndOfTextToken} must be among them: it is the tokenizer's bos and eos, which end every document and answer");
        var markers = options.ChatTemplate?.ToLowerInvariant() switch
        {
            ChatTemplates.ChatMl => new[] { ChatMlTemplate.StartToken, ChatMlTemplate.EndToken },
            ChatTemplates.Llama3 => new[] { Llama3ChatTemplate.StartHeader, Llama3ChatTemplate.EndHeader, Llama3ChatTemplate.EndOfTurn },
            _ => [],
        };
        if (markers.Where(marker => !options.SpecialTokens.Contains(marker)).ToList() is { Count: > 0 } missing)
            throw new BadInputException($"--special: --chat-template {options.ChatTemplate} needs {string.Join(" and ", missing)} among the special tokens, or its markers are split like text");
    }
}
