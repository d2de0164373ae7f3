using Twinforge.Engine.Tokenization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twinforge.Engine.Models;

/// <summary>The two architecture families one <see cref="CausalLanguageModel"/> implementation covers.</summary>
public enum ModelFamily
{
    /// <summary>GPT-2: learned positions, LayerNorm, GELU MLP, fused qkv with bias, Conv1D weight layout.</summary>
    Gpt2,

    /// <summary>Llama-style (llama, qwen2, mistral): RMSNorm, rotary positions, SwiGLU, grouped-query attention.</summary>
    Llama,
}

/// <summary>
/// The hyper-parameters of a decoder-only transformer, read from and written to a Hugging Face <c>config.json</c>.
/// Keys Twinforge does not use are kept in <see cref="ExtraFields"/> and written back unchanged.
/// </summary>
public sealed record TransformerConfig
{
    /// <summary>The Hugging Face <c>model_type</c>: gpt2, llama, qwen2 or mistral.</summary>
    public required string ModelType { get; init; }
    public required int VocabularySize { get; init; }
    public required int HiddenSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    /// <summary>Key/value heads; fewer than <see cref="HeadCount"/> means grouped-query attention.</summary>
    public required int KeyValueHeadCount { get; init; }
    public required int IntermediateSize { get; init; }
    /// <summary>Longest sequence the model supports (learned position table size for GPT-2).</summary>
    public required int MaxPositions { get; init; }
    public int? ExplicitHeadDimension { get; init; }
    public double NormEpsilon { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on the query/key/value projections (GPT-2, Qwen2, Llama with attention_bias).</summary>
    public bool QkvBias { get; init; }
    /// <summary>Bias on the attention output projection (GPT-2, Llama with attention_bias; not Qwen2).</summary>
    public bool OutputProjectionBias { get; init; }
    public bool MlpBias { get; init; }
    /// <summary>Hugging Face activation name: gelu_new / gelu / gelu_pytorch_tanh (GPT-2), silu (Llama).</summary>
    public string Activation { get; init; } = "silu";
    public double EmbeddingDropout { get; init; }
    public double AttentionDropout { get; init; }
    public double ResidualDropout { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    /// <summary>The dtype the checkpoint declares (<c>torch_dtype</c>), e.g. float32, bfloat16.</summary>
    public string? TorchDtype { get; init; }
    /// <summary>Every other key of the original config.json, written back unchanged on save.</summary>
    public JsonObject ExtraFields { get; init; } = new();

    public ModelFamily Family => ModelType == "gpt2" ? ModelFamily.Gpt2 : ModelFamily.Llama;

    public int HeadDimension => ExplicitHeadDimension ?? HiddenSize / HeadCount;

    /// <summary>Model types <see cref="FromJson"/> accepts.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["gpt2", "llama", "qwen2", "mistral"];

    /// <summary>A GPT-2 architecture of the given size (defaults are GPT-2 124M's).</summary>
    public static TransformerConfig Gpt2(int vocabularySize = 50257, int hiddenSize = 768, int layerCount = 12,
        int headCount = 12, int maxPositions = 1024, double dropout = 0.0) => new()
    {
        ModelType = "gpt2", VocabularySize = vocabularySize, HiddenSize = hiddenSize, LayerCount = layerCount,
        HeadCount = headCount, KeyValueHeadCount = headCount, IntermediateSize = 4 * hiddenSize,
        MaxPositions = maxPositions, NormEpsilon = 1e-5, TieWordEmbeddings = true, QkvBias = true,
        OutputProjectionBias = true, MlpBias = true, Activation = "gelu_new", EmbeddingDropout = dropout,
        AttentionDropout = dropout, ResidualDropout = dropout,
    };

    /// <summary>A Llama-style architecture.</summary>
    public static TransformerConfig Llama(int vocabularySize, int hiddenSize, int layerCount, int headCount,
        int keyValueHeadCount, int intermediateSize, int maxPositions = 2048, bool tieWordEmbeddings = false,
        string modelType = "llama") => new()
    {
        ModelType = modelType, VocabularySize = vocabularySize, HiddenSize = hiddenSize, LayerCount = layerCount,
        HeadCount = headCount, KeyValueHeadCount = keyValueHeadCount, IntermediateSize = intermediateSize,
        MaxPositions = maxPositions, NormEpsilon = 1e-6, TieWordEmbeddings = tieWordEmbeddings,
        QkvBias = modelType == "qwen2", Activation = "silu",
    };

    /// <summary>Reads a config.json; errors name the file and the field.</summary>
    public static TransformerConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new InputFileException(path, "config.json not found: a model directory needs one (Hugging Face layout)");
        var json = JsonFields.ReadObject(path);
        return FromJson(json, path);
    }

    /// <summary>Builds a config from a parsed config.json object; <paramref name="path"/> is used in errors.</summary>
    public static TransformerConfig FromJson(JsonObject json, string path)
    {
        var reader = new ConfigFieldReader(json, path);
        var modelType = reader.RequiredString("model_type");
        var config = modelType switch
        {
            "gpt2" => ReadGpt2(reader),
            "llama" or "qwen2" or "mistral" => ReadLlama(reader, modelType),
            _ => throw new InputFileException(path,
                $"unsupported model_type '{modelType}'; supported: {string.Join(", ", SupportedModelTypes)}", "model_type"),
        };
        config = config with
        {
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenIds = reader.OptionalIntList("eos_token_id"),
            PadTokenId = reader.OptionalInt("pad_token_id"),
            TorchDtype = reader.OptionalString("torch_dtype") ?? reader.OptionalString("dtype"),
            ExtraFields = reader.UnreadFields(),
        };
        config.Validate(path);
        return config;
    }

    static TransformerConfig ReadGpt2(ConfigFieldReader r)
    {
        int hidden = r.RequiredInt("n_embd");
        var activation = r.OptionalString("activation_function") ?? "gelu_new";
        return new TransformerConfig
        {
            ModelType = "gpt2",
            VocabularySize = r.RequiredInt("vocab_size"),
            HiddenSize = hidden,
            LayerCount = r.RequiredInt("n_layer"),
            HeadCount = r.RequiredInt("n_head"),
            KeyValueHeadCount = r.RequiredInt("n_head", consume: false),
            IntermediateSize = r.OptionalInt("n_inner") ?? 4 * hidden,
            MaxPositions = r.RequiredInt("n_positions"),
            NormEpsilon = r.OptionalDouble("layer_norm_epsilon") ?? 1e-5,
            TieWordEmbeddings = r.OptionalBool("tie_word_embeddings") ?? true,
            QkvBias = true,
            OutputProjectionBias = true,
            MlpBias = true,
            Activation = activation,
            EmbeddingDropout = r.OptionalDouble("embd_pdrop") ?? 0.1,
            AttentionDropout = r.OptionalDouble("attn_pdrop") ?? 0.1,
            ResidualDropout = r.OptionalDouble("resid_pdrop") ?? 0.1,
        };
    }

    static TransformerConfig ReadLlama(ConfigFieldReader r, string modelType)
    {
        int heads = r.RequiredInt("num_attention_heads");
        bool attentionBias = r.OptionalBool("attention_bias") ?? false;
        return new TransformerConfig
        {
            ModelType = modelType,
            VocabularySize = r.RequiredInt("vocab_size"),
            HiddenSize = r.RequiredInt("hidden_size"),
            LayerCount = r.RequiredInt("num_hidden_layers"),
            HeadCount = heads,
            KeyValueHeadCount = r.OptionalInt("num_key_value_heads") ?? heads,
            IntermediateSize = r.RequiredInt("intermediate_size"),
            MaxPositions = r.OptionalInt("max_position_embeddings") ?? 2048,
            ExplicitHeadDimension = r.OptionalInt("head_dim"),
            NormEpsilon = r.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = r.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = RopeScaling.Read(r),
            TieWordEmbeddings = r.OptionalBool("tie_word_embeddings") ?? false,
            // Qwen2 always has q/k/v biases and no o_proj bias; Llama's attention_bias covers all four.
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputProjectionBias = attentionBias,
            MlpBias = r.OptionalBool("mlp_bias") ?? false,
            Activation = r.OptionalString("hidden_act") ?? "silu",
            AttentionDropout = r.OptionalDouble("attention_dropout") ?? 0.0,
        };
    }

    /// <summary>Checks the values fit together; <paramref name="path"/> names the source in errors.</summary>
    public void Validate(string path = "config")
    {
        void Positive(int value, string field)
        {
            if (value <= 0) throw new InputFileException(path, $"must be a positive integer, found {value}", field);
        }
        bool gpt2 = Family == ModelFamily.Gpt2;
        Positive(VocabularySize, "vocab_size");
        Positive(HiddenSize, gpt2 ? "n_embd" : "hidden_size");
        Positive(LayerCount, gpt2 ? "n_layer" : "num_hidden_layers");
        Positive(HeadCount, gpt2 ? "n_head" : "num_attention_heads");
        Positive(KeyValueHeadCount, "num_key_value_heads");
        Positive(IntermediateSize, gpt2 ? "n_inner" : "intermediate_size");
        Positive(MaxPositions, gpt2 ? "n_positions" : "max_position_embeddings");
        if (ExplicitHeadDimension is null && HiddenSize % HeadCount != 0)
            throw new InputFileException(path, $"hidden size {HiddenSize} is not divisible by {HeadCount} heads",
                gpt2 ? "n_embd" : "hidden_size");
        if (HeadCount % KeyValueHeadCount != 0)
            throw new InputFileException(path,
                $"{HeadCount} attention heads are not a multiple of {KeyValueHeadCount} key/value heads", "num_key_value_heads");
        if (!gpt2 && HeadDimension % 2 != 0)
            throw new InputFileException(path, $"rotary embeddings need an even head dimension, found {HeadDimension}", "head_dim");
        if (gpt2 ? !Gpt2Activations.Contains(Activation) : Activation != "silu")
            throw new InputFileException(path, $"unsupported activation '{Activation}'",
                gpt2 ? "activation_function" : "hidden_act");
        if (EosTokenIds.Any(id => id < 0 || id >= VocabularySize))
            throw new InputFileException(path, $"token id outside the vocabulary of {VocabularySize}", "eos_token_id");
    }

    static readonly HashSet<string> Gpt2Activations = ["gelu_new", "gelu", "gelu_pytorch_tanh", "gelu_fast"];

    /// <summary>The config.json object for this configuration, unused original keys included.</summary>
    public JsonObject ToJson()
    {
        var json = (JsonObject)ExtraFields.DeepClone();
        json["model_type"] = ModelType;
        json["vocab_size"] = VocabularySize;
        if (Family == ModelFamily.Gpt2)
        {
            json["architectures"] ??= new JsonArray("GPT2LMHeadModel");
            json["n_embd"] = HiddenSize;
            json["n_layer"] = LayerCount;
            json["n_head"] = HeadCount;
            json["n_inner"] = IntermediateSize == 4 * HiddenSize ? null : IntermediateSize;
            json["n_positions"] = MaxPositions;
            json["n_ctx"] = MaxPositions;
            json["layer_norm_epsilon"] = NormEpsilon;
            json["activation_function"] = Activation;
            json["embd_pdrop"] = EmbeddingDropout;
            json["attn_pdrop"] = AttentionDropout;
            json["resid_pdrop"] = ResidualDropout;
        }
        else
        {
            json["architectures"] ??= new JsonArray(ModelType switch
            {
                "qwen2" => "Qwen2ForCausalLM",
                "mistral" => "MistralForCausalLM",
                _ => "LlamaForCausalLM",
            });
            json["hidden_size"] = HiddenSize;
            json["num_hidden_layers"] = LayerCount;
            json["num_attention_heads"] = HeadCount;
            json["num_key_value_heads"] = KeyValueHeadCount;
            json["intermediate_size"] = IntermediateSize;
            json["max_position_embeddings"] = MaxPositions;
            if (ExplicitHeadDimension is int headDim) json["head_dim"] = headDim;
            json["rms_norm_eps"] = NormEpsilon;
            json["rope_theta"] = RopeTheta;
            json["rope_scaling"] = RopeScaling?.ToJson();
            json["hidden_act"] = Activation;
            json["attention_dropout"] = AttentionDropout;
            if (ModelType != "qwen2") json["attention_bias"] = QkvBias;
            if (ModelType == "llama") json["mlp_bias"] = MlpBias;
        }
        json["tie_word_embeddings"] = TieWordEmbeddings;
        if (BosTokenId is int bos) json["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) json["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) json["eos_token_id"] = new JsonArray(EosTokenIds.Select(id => (JsonNode)id).ToArray());
        if (PadTokenId is int pad) json["pad_token_id"] = pad;
        if (TorchDtype is not null) json["torch_dtype"] = TorchDtype;
        return json;
    }

    /// <summary>Writes config.json atomically.</summary>
    public void Save(string path) =>
        AtomicFile.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
