using System.Text.Json;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Runs;
using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using Twinforge.Recipes;

namespace Twinforge.Bench.Watermark;

/// <summary>A model the watermark benchmark generates with, and the prompts it answers (cycled to the number of answers).</summary>
/// <param name="Name">The model's name in the table ("base", "twin").</param>
/// <param name="Description">Where the model comes from, for the log.</param>
/// <param name="Prompts">The prompts, encoded with the model's tokenizer.</param>
/// <param name="Load">Loads the model with no end-of-sequence ids, so that every answer runs to its full length.</param>
sealed record WatermarkBenchModel(string Name, string Description, Func<(CausalLanguageModel Network, ITokenizer Tokenizer)> Load,
    Func<ITokenizer, IReadOnlyList<IReadOnlyList<int>>> Prompts);

/// <summary>
/// What the watermark benchmark measures on: the models and their prompts, human text by source (for false
/// positives) and the creator's held-out conversations (for the loss cost).
/// </summary>
sealed record WatermarkBenchInputs(IReadOnlyList<WatermarkBenchModel> Models, IReadOnlyList<(string Source, string Text)> HumanTexts,
    IReadOnlyList<IReadOnlyList<ChatMessage>> HeldOutConversations, string Description)
{
    /// <summary>
    /// The built-in base (pre-trained on general English from Debian's fortunes; built into the cache if absent) and a
    /// twin of the demo persona fine-tuned from it as the demo does (LoRA on the BOFH excuses; cached under
    /// <c>bench/watermark-twin-SIZE</c>). Base prompts open general-English documents; the twin answers the held-out
    /// questions. Human text: the persona's own answers and the general-English corpus.
    /// </summary>
    public static WatermarkBenchInputs BuiltIn(string cacheRoot, BuiltInModelSize size, TextWriter log)
    {
        if (BuiltInBaseModel.Existing(cacheRoot, size) is null) log.WriteLine($"building the built-in {size.Name} base model in {cacheRoot} (standard: about five minutes on 2 idle cores)…");
        var basePath = BuiltInBaseModel.Ensure(cacheRoot, size);
        var corpora = new BuiltInCorpora(cacheRoot);
        var (training, validation) = corpora.Creator();
        var twinPath = EnsureTwin(cacheRoot, size, basePath, training, validation, log);
        var english = File.ReadAllText(corpora.GeneralEnglish());
        var documents = english.Split("\n%\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var heldOut = ReadConversations(validation);
        var allAnswers = ReadConversations(training).Concat(heldOut)
            .Select(conversation => conversation.Last(message => message.Role == ChatRole.Assistant).Content);

        return new WatermarkBenchInputs(
            [
                new("base", $"built-in base {basePath}", () => LoadWithoutStopping(basePath), tokenizer => DocumentOpenings(documents, tokenizer)),
                new("twin", $"demo twin {twinPath}", () => LoadWithoutStopping(twinPath), tokenizer => Questions(heldOut, tokenizer)),
            ],
            [("creator", string.Join('\n', allAnswers)), ("English", string.Join("\n\n", documents))],
            heldOut,
            $"built-in {size.Name} base and the demo persona's twin; human text: the persona's answers (BOFH excuses) and general English (Debian's fortunes)");
    }

    /// <summary>A tiny random byte-level model and a few paragraphs: checks the harness in seconds; its figures mean nothing.</summary>
    public static WatermarkBenchInputs Quick()
    {
        var tokenizer = new ByteLevelTokenizer();
        var config = TransformerConfig.Llama(tokenizer.VocabularySize, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 512, tieWordEmbeddings: true) with { EosTokenIds = [] };
        string[] paragraphs =
        [
            "The printer is not broken; it is merely resting after a long week of printing reports nobody reads.",
            "Solar flares have been known to rearrange the bits on a disk, especially on a Friday afternoon before a holiday.",
            "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.",
            "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, I thought I would sail about.",
        ];
        var conversations = paragraphs.Select(text => (IReadOnlyList<ChatMessage>)[new(ChatRole.User, "What happened?"), new(ChatRole.Assistant, text)]).ToList();
        return new WatermarkBenchInputs(
            [
                new("tiny", "a tiny random model", () =>
                {
                    var model = new CausalLanguageModel(config);
                    model.InitializeWeights(seed: 1);
                    model.eval();
                    return (model, tokenizer);
                }, tokenizer => DocumentOpenings(paragraphs, tokenizer)),
            ],
            [("paragraphs", string.Join('\n', Enumerable.Repeat(string.Join('\n', paragraphs), 3)))],
            conversations,
            "QUICK: a tiny random model and four paragraphs; checks the harness, the figures mean nothing");
    }

    /// <summary>The twin of the demo (its plan, data and budget), trained once into the cache and reused.</summary>
    static string EnsureTwin(string cacheRoot, BuiltInModelSize size, string basePath, string training, string validation, TextWriter log)
    {
        var run = Path.Combine(cacheRoot, "bench", $"watermark-twin-{size.CacheKey}");
        var model = Path.Combine(run, FineTuning.ModelDirectoryName);
        if (File.Exists(Path.Combine(run, FineTuning.RecordFileName)) && File.Exists(Path.Combine(model, HuggingFaceModelCheckpoint.ConfigFileName))) return model;
        log.WriteLine($"fine-tuning the demo persona's twin into {run} (LoRA, as the demo does; a minute or two)…");
        var options = DemoPlan.For(size).Twin(validation);
        var result = RecipeRun.Run(RecipeMapper.ToRecipe(options, basePath, [training], run), basePath, run, options, onEvent: null, CancellationToken.None);
        return result.ModelDirectory ?? throw new InvalidOperationException($"the twin's run in {run} produced no model");
    }

    /// <summary>The model with its end-of-sequence ids removed: answers run to their length, as the paper's T = 200 samples do.</summary>
    static (CausalLanguageModel, ITokenizer) LoadWithoutStopping(string directory)
    {
        var config = TransformerConfig.Load(Path.Combine(directory, HuggingFaceModelCheckpoint.ConfigFileName)) with { EosTokenIds = [] };
        var model = new CausalLanguageModel(config);
        using (var checkpoint = SafetensorsCheckpoint.Open(directory)) HuggingFaceModelCheckpoint.LoadWeights(model, checkpoint, directory);
        model.eval();
        return (model, TokenizerLoader.Load(directory));
    }

    /// <summary>The first words (about 40 characters) of each document long enough to continue, as the paper prompts with news text.</summary>
    static IReadOnlyList<IReadOnlyList<int>> DocumentOpenings(IReadOnlyList<string> documents, ITokenizer tokenizer) =>
        documents.Where(document => document.Length >= 80)
            .Select(document => document[..Math.Max(document.LastIndexOf(' ', 40), 20)])
            .Select(opening => tokenizer.Encode(opening))
            .ToList();

    static IReadOnlyList<IReadOnlyList<int>> Questions(IReadOnlyList<IReadOnlyList<ChatMessage>> conversations, ITokenizer tokenizer) =>
        conversations.Select(conversation => (IReadOnlyList<int>)ChatEncoder.Encode(tokenizer,
            conversation.Where(message => message.Role != ChatRole.Assistant).ToList(), addGenerationPrompt: true).Ids).ToList();

    static List<IReadOnlyList<ChatMessage>> ReadConversations(string jsonl) =>
        File.ReadLines(jsonl).Where(line => line.Trim().Length > 0).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            return (IReadOnlyList<ChatMessage>)document.RootElement.GetProperty("messages").EnumerateArray()
                .Select(message => new ChatMessage(
                    message.GetProperty("role").GetString() == "user" ? ChatRole.User : ChatRole.Assistant,
                    message.GetProperty("content").GetString()!))
                .ToList();
        }).ToList();
}
