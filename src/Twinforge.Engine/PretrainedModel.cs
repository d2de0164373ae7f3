using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using static TorchSharp.torch;

namespace Twinforge.Engine;

/// <summary>
/// A model directory in Hugging Face layout, loaded: the network, its tokenizer and its generation defaults.
/// </summary>
/// <example><code>
/// using var model = PretrainedModel.Load("models/my-base");
/// Console.WriteLine(model.Generate("Once upon a time", new GenerationOptions { MaxNewTokens = 40 }).Text);
/// </code></example>
public sealed class PretrainedModel : IDisposable
{
    public PretrainedModel(CausalLanguageModel network, ITokenizer tokenizer, GenerationConfig? generationConfig = null)
    {
        Network = network;
        Tokenizer = tokenizer;
        GenerationConfig = generationConfig;
    }

    public CausalLanguageModel Network { get; }

    public ITokenizer Tokenizer { get; }

    /// <summary>The directory's generation_config.json, if it had one.</summary>
    public GenerationConfig? GenerationConfig { get; }

    public TransformerConfig Config => Network.Config;

    /// <summary>
    /// Loads config.json, the safetensors weights (converted to <paramref name="dtype"/>), the tokenizer and
    /// generation_config.json; checks that the tokenizer's ids fit the model's vocabulary.
    /// </summary>
    public static PretrainedModel Load(string directory, ScalarType dtype = ScalarType.Float32)
    {
        if (!System.IO.Directory.Exists(directory)) throw new InputFileException(directory, "model directory not found");
        var tokenizer = TokenizerLoader.Load(directory);
        var generationConfig = GenerationConfig.LoadIfPresent(directory);
        var network = HuggingFaceModelCheckpoint.Load(directory, dtype);
        try
        {
            TokenizerChecks.EnsureFitsModel(tokenizer, network.Config.VocabularySize, directory);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return new PretrainedModel(network, tokenizer, generationConfig);
    }

    /// <summary>
    /// A model directory's architecture and tokenizer (config.json and tokenizer.json) with the weights as constructed,
    /// not read: what pre-training from scratch starts from, so that a config and a tokenizer of one's own (from
    /// <c>tokenizer train</c>) make a base to pre-train without a checkpoint to throw away.
    /// </summary>
    public static PretrainedModel LoadArchitecture(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new InputFileException(directory, "model directory not found");
        var tokenizer = TokenizerLoader.Load(directory);
        var config = TransformerConfig.Load(System.IO.Path.Combine(directory, HuggingFaceModelCheckpoint.ConfigFileName));
        var network = new CausalLanguageModel(config);
        try
        {
            TokenizerChecks.EnsureFitsModel(tokenizer, network.Config.VocabularySize, directory);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return new PretrainedModel(network, tokenizer, GenerationConfig.LoadIfPresent(directory));
    }

    /// <summary>Decoding defaults: the checkpoint's generation config, or greedy.</summary>
    public GenerationOptions DefaultGenerationOptions => GenerationConfig?.ToOptions() ?? new GenerationOptions();

    /// <summary>Continues a prompt (options default to <see cref="DefaultGenerationOptions"/>).</summary>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null)
    {
        generatorTurn.Wait();
        try
        {
            return Generator.Generate(prompt, options ?? DefaultGenerationOptions);
        }
        finally
        {
            generatorTurn.Release();
        }
    }

    /// <summary>Answers a conversation in the tokenizer's chat format.</summary>
    public GenerationResult Chat(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null)
    {
        generatorTurn.Wait();
        try
        {
            return Generator.Chat(messages, options ?? DefaultGenerationOptions);
        }
        finally
        {
            generatorTurn.Release();
        }
    }

    /// <summary>
    /// <see cref="Chat"/> piece by piece as it is generated (for a stream); <paramref name="finished"/> gets the whole
    /// result with its usage. Other calls wait until the enumeration ends or is disposed.
    /// </summary>
    public IEnumerable<string> StreamChat(IReadOnlyList<ChatMessage> messages, GenerationOptions? options, Action<GenerationResult> finished)
    {
        generatorTurn.Wait();
        try
        {
            foreach (var piece in Generator.StreamChat(messages, options ?? DefaultGenerationOptions, finished)) yield return piece;
        }
        finally
        {
            generatorTurn.Release();
        }
    }

    // One generator for the model's life, so its inference session (the decoding copies of the weights) is made once
    // and serves every call until the weights change. One call at a time shares it: a semaphore, not a lock, because a
    // stream's pieces may be taken on different threads (an HTTP response written asynchronously).
    readonly SemaphoreSlim generatorTurn = new(1, 1);
    TextGenerator? generator;

    TextGenerator Generator => generator ??= new TextGenerator(Network, Tokenizer);

    /// <summary>Writes the whole model directory (config, weights, tokenizer, generation config).</summary>
    public void Save(string directory, long maxShardBytes = 5L << 30)
    {
        HuggingFaceModelCheckpoint.Save(Network, directory, maxShardBytes);
        Tokenizer.Save(directory);
        GenerationConfig?.Save(directory);
    }

    public void Dispose()
    {
        generator?.Dispose();
        Network.Dispose();
        generatorTurn.Dispose();
    }
}
