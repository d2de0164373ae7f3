using Twinforge.Engine.Gguf;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Lora;
using Twinforge.Engine.Tests.Models;
using Twinforge.Engine.Tests.Tokenization;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Gguf;

[Collection("Torch")]
public sealed class GgufModelExportTests : IDisposable
{
    readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    /// <summary>A byte-level model: 256 bytes and 4 specials, padded to 264 rows as Twinforge's bases are.</summary>
    static TransformerConfig ByteLlama(string modelType = "llama", bool tied = false) =>
        TransformerConfig.Llama(vocabularySize: 264, hiddenSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 96, maxPositions: 128, tieWordEmbeddings: tied, modelType: modelType);

    GgufFile Export(CausalLanguageModel model, GgmlType type = GgmlType.F32, ITokenizer? tokenizer = null)
    {
        var path = directory.File($"{Guid.NewGuid():N}.gguf");
        GgufModelExport.Write(model, tokenizer ?? new ByteLevelTokenizer(), path, type, name: "tiny");
        return GgufFile.Read(path);
    }

    static float[] Values(TorchSharp.torch.Tensor tensor) => tensor.detach().contiguous().data<float>().ToArray();

    [Fact]
    public void Llama_export_has_llama_cpp_hyper_parameters_tensor_names_and_ggml_shapes()
    {
        var config = ByteLlama() with { RopeTheta = 500.0, NormEpsilon = 1e-5 };
        using var model = TinyModels.Create(config);
        var file = Export(model);

        Assert.Equal("llama", file.Metadata["general.architecture"].AsString());
        Assert.Equal("model", file.Metadata["general.type"].AsString());
        Assert.Equal(0, file.Metadata["general.file_type"].AsInteger());
        Assert.Equal(128, file.Metadata["llama.context_length"].AsInteger());
        Assert.Equal(64, file.Metadata["llama.embedding_length"].AsInteger());
        Assert.Equal(2, file.Metadata["llama.block_count"].AsInteger());
        Assert.Equal(96, file.Metadata["llama.feed_forward_length"].AsInteger());
        Assert.Equal(4, file.Metadata["llama.attention.head_count"].AsInteger());
        Assert.Equal(2, file.Metadata["llama.attention.head_count_kv"].AsInteger());
        Assert.Equal(16, file.Metadata["llama.rope.dimension_count"].AsInteger());
        Assert.Equal(500.0, file.Metadata["llama.rope.freq_base"].AsFloat());
        Assert.Equal(1e-5f, (float)file.Metadata["llama.attention.layer_norm_rms_epsilon"].AsFloat());

        string[] perBlock = ["attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
            "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"];
        var expected = new[] { "token_embd.weight", "output_norm.weight", "output.weight" }
            .Concat(Enumerable.Range(0, 2).SelectMany(block => perBlock.Select(name => $"blk.{block}.{name}")));
        Assert.Equal(expected.Order(), file.Tensors.Select(tensor => tensor.Name).Order());
        Assert.Equal(new long[] { 64, 264 }, file.Tensor("token_embd.weight").Dimensions);
        Assert.Equal(new long[] { 64, 64 }, file.Tensor("blk.0.attn_q.weight").Dimensions);
        Assert.Equal(new long[] { 64, 32 }, file.Tensor("blk.0.attn_k.weight").Dimensions);
        Assert.Equal(new long[] { 96, 64 }, file.Tensor("blk.1.ffn_down.weight").Dimensions);
        Assert.Equal(Values(model.TokenEmbedding.weight), file.ReadTensor("token_embd.weight"));
        Assert.Equal(Values(model.Blocks[1].Mlp.DownProjection.weight), file.ReadTensor("blk.1.ffn_down.weight"));
    }

    [Fact]
    public void Llama_query_and_key_rows_are_reordered_for_rotary_on_adjacent_pairs()
    {
        using var model = TinyModels.Create(ByteLlama());
        var file = Export(model);
        var attention = model.Blocks[0].Attention;
        foreach (var (name, weight, heads) in new[] { ("attn_q", attention.Projections.ElementAt(0).weight, 4), ("attn_k", attention.Projections.ElementAt(1).weight, 2) })
        {
            var hf = Values(weight); // (heads · 16, 64): head h's row j pairs with row j + 8 in Hugging Face's rotate_half
            var gguf = file.ReadTensor($"blk.0.{name}.weight");
            const int headDimension = 16, columns = 64;
            for (int head = 0; head < heads; head++)
            for (int pair = 0; pair < headDimension / 2; pair++)
            for (int member = 0; member < 2; member++)
            {
                // llama.cpp rotates rows 2i and 2i + 1 together: they must be HF's rows i and i + d/2.
                int ggufRow = head * headDimension + 2 * pair + member;
                int hfRow = head * headDimension + member * headDimension / 2 + pair;
                Assert.Equal(hf.AsSpan(hfRow * columns, columns).ToArray(), gguf.AsSpan(ggufRow * columns, columns).ToArray());
            }
        }
        Assert.Equal(Values(attention.Projections.ElementAt(2).weight), file.ReadTensor("blk.0.attn_v.weight"));
    }

    [Fact]
    public void Qwen2_keeps_rows_as_they_are_and_writes_its_biases_and_no_tied_head()
    {
        using var model = TinyModels.Create(ByteLlama("qwen2", tied: true));
        var file = Export(model);

        Assert.Equal("qwen2", file.Metadata["general.architecture"].AsString());
        Assert.DoesNotContain(file.Tensors, tensor => tensor.Name == "output.weight"); // llama.cpp reuses token_embd
        var query = model.Blocks[0].Attention.Projections.ElementAt(0);
        Assert.Equal(Values(query.weight), file.ReadTensor("blk.0.attn_q.weight"));
        Assert.Equal(Values(query.bias!), file.ReadTensor("blk.0.attn_q.bias"));
        Assert.Equal(new long[] { 32 }, file.Tensor("blk.0.attn_k.bias").Dimensions);
    }

    [Fact]
    public void Gpt2_conv1d_weights_are_written_out_by_in_and_the_positions_are_kept()
    {
        var config = TransformerConfig.Gpt2(vocabularySize: 264, hiddenSize: 64, layerCount: 2, headCount: 4, maxPositions: 96);
        using var model = TinyModels.Create(config);
        var file = Export(model);

        Assert.Equal("gpt2", file.Metadata["general.architecture"].AsString());
        Assert.Equal(1e-5f, (float)file.Metadata["gpt2.attention.layer_norm_epsilon"].AsFloat());
        Assert.Equal(96, file.Metadata["gpt2.context_length"].AsInteger());
        Assert.Equal(new long[] { 64, 96 }, file.Tensor("position_embd.weight").Dimensions);
        Assert.Equal(new long[] { 64, 192 }, file.Tensor("blk.0.attn_qkv.weight").Dimensions); // ggml [in, out]
        var conv1D = Values(model.Blocks[0].Attention.Projections.ElementAt(0).weight); // (in 64, out 192)
        var written = file.ReadTensor("blk.0.attn_qkv.weight");               // (out 192, in 64) row-major
        for (int output = 0; output < 192; output += 37)
        for (int input = 0; input < 64; input += 5)
            Assert.Equal(conv1D[input * 192 + output], written[output * 64 + input]);
        Assert.Contains(file.Tensors, tensor => tensor.Name == "blk.1.ffn_down.bias");
        Assert.Contains(file.Tensors, tensor => tensor.Name == "output_norm.bias");
        Assert.DoesNotContain(file.Tensors, tensor => tensor.Name == "output.weight");
    }

    [Fact]
    public void Q8_0_quantizes_whole_block_matrices_keeps_vectors_f32_and_falls_back_to_f16()
    {
        var config = ByteLlama() with { IntermediateSize = 80 }; // ffn_down's rows are 80 long: not whole blocks of 32
        using var model = TinyModels.Create(config);
        var file = Export(model, GgmlType.Q8_0);

        Assert.Equal(7, file.Metadata["general.file_type"].AsInteger());
        Assert.Equal(GgmlType.Q8_0, file.Tensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.Q8_0, file.Tensor("token_embd.weight").Type);
        Assert.Equal(GgmlType.F16, file.Tensor("blk.0.ffn_down.weight").Type);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.attn_norm.weight").Type);
        var embedding = Values(model.TokenEmbedding.weight);
        var quantized = file.ReadTensor("token_embd.weight");
        Assert.True(embedding.Zip(quantized).Max(pair => Math.Abs(pair.First - pair.Second)) < embedding.Max(Math.Abs) / 127);
    }

    [Fact]
    public void Byte_tokenizer_becomes_a_gpt2_vocabulary_of_byte_symbols_without_merges()
    {
        using var model = TinyModels.Create(ByteLlama());
        var tokenizer = new ByteLevelTokenizer();
        var file = Export(model, tokenizer: tokenizer);

        var tokens = file.Metadata["tokenizer.ggml.tokens"].AsArray<string>();
        var types = file.Metadata["tokenizer.ggml.token_type"].AsArray<int>();
        Assert.Equal("gpt2", file.Metadata["tokenizer.ggml.model"].AsString());
        Assert.Equal("gpt-2", file.Metadata["tokenizer.ggml.pre"].AsString());
        Assert.Empty(file.Metadata["tokenizer.ggml.merges"].AsArray<string>());
        Assert.Equal(264, tokens.Length);
        Assert.Equal("Ġ", tokens[' ']);  // GPT-2's symbol for the space byte
        Assert.Equal("a", tokens['a']);
        Assert.Equal("Ċ", tokens['\n']);
        Assert.Equal(ByteLevelTokenizer.EndOfTextToken, tokens[256]);
        Assert.Equal(GgufVocabulary.Control, types[256]);
        Assert.Equal("<|im_end|>", tokens[259]);
        Assert.Equal("[PAD263]", tokens[263]);
        Assert.Equal(GgufVocabulary.Unused, types[263]);
        Assert.Equal(256, file.Metadata["tokenizer.ggml.eos_token_id"].AsInteger());
        Assert.False((bool)file.Metadata["tokenizer.ggml.add_bos_token"].Value);
        Assert.Equal(tokenizer.ChatTemplate.Jinja, file.Metadata["tokenizer.chat_template"].AsString());
    }

    [Fact]
    public void A_qwen2_style_tokenizer_is_written_with_its_merges_and_llama_cpp_pre_tokenizer_name()
    {
        var tokenizer = HuggingFaceTokenizer.Load(TinyTokenizerFiles.WriteQwen2Style(directory.Sub("qwen2-tokenizer")));
        var config = ByteLlama("qwen2") with { VocabularySize = tokenizer.VocabularySize };
        using var model = TinyModels.Create(config);
        var file = Export(model, tokenizer: tokenizer);

        Assert.Equal("qwen2", file.Metadata["tokenizer.ggml.pre"].AsString());
        var merges = file.Metadata["tokenizer.ggml.merges"].AsArray<string>();
        Assert.Equal(TinyTokenizerFiles.TextMerges.Length, merges.Length);
        Assert.Equal($"{TinyTokenizerFiles.Symbols(" ")} {TinyTokenizerFiles.Symbols("hello")}", merges[8]);
        var tokens = file.Metadata["tokenizer.ggml.tokens"].AsArray<string>();
        Assert.Equal(tokenizer.Encode(" hello").Single(), Array.IndexOf(tokens, "Ġhello"));
        Assert.Equal(tokenizer.Special.Eos, (int)file.Metadata["tokenizer.ggml.eos_token_id"].AsInteger());
        Assert.Equal(GgufVocabulary.Control, file.Metadata["tokenizer.ggml.token_type"].AsArray<int>()[tokenizer.Special.Eos!.Value]);
    }

    [Fact]
    public void A_tokenizer_llama_cpp_cannot_reproduce_is_refused_naming_its_file()
    {
        var tokenizerDirectory = directory.Sub("odd");
        var json = TinyTokenizerFiles.TokenizerJson(TinyTokenizerFiles.Model(TinyTokenizerFiles.TextMerges),
            TinyTokenizerFiles.SplitThenByteLevel(@"\p{L}+|\s+|."));
        File.WriteAllText(Path.Combine(tokenizerDirectory, "tokenizer.json"), json.ToJsonString());
        var tokenizer = HuggingFaceTokenizer.Load(tokenizerDirectory);
        using var model = TinyModels.Create(ByteLlama() with { VocabularySize = tokenizer.VocabularySize });

        var error = Assert.Throws<InputFileException>(() => Export(model, tokenizer: tokenizer));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("pre_tokenizer", error.Message);
    }

    [Fact]
    public void Lora_adapter_is_written_as_a_llama_cpp_adapter_with_alpha_giving_the_same_scale()
    {
        using var model = TinyModels.Create(ByteLlama());
        var config = new LoraConfig { Rank = 4, Alpha = 12, TargetModules = ["q_proj", "v_proj"] };
        var adapters = LoraInjector.Apply(model, config, seed: 3);
        LoraTestModels.PerturbB(adapters);
        var path = directory.File("adapter.gguf");
        GgufAdapterExport.Write(model, path, GgmlType.F32, name: "tiny-lora");
        var file = GgufFile.Read(path);

        Assert.Equal("adapter", file.Metadata["general.type"].AsString());
        Assert.Equal("lora", file.Metadata["adapter.type"].AsString());
        Assert.Equal("llama", file.Metadata["general.architecture"].AsString());
        Assert.Equal(12.0, file.Metadata["adapter.lora.alpha"].AsFloat()); // llama.cpp's scale alpha / r = 3 = Twinforge's
        Assert.Equal(8, file.Tensors.Count); // q and v of two blocks, A and B each
        var query = adapters["model.layers.1.self_attn.q_proj"];
        Assert.Equal(new long[] { 64, 4 }, file.Tensor("blk.1.attn_q.weight.lora_a").Dimensions);
        Assert.Equal(new long[] { 4, 64 }, file.Tensor("blk.1.attn_q.weight.lora_b").Dimensions);
        Assert.Equal(Values(query.A), file.ReadTensor("blk.1.attn_q.weight.lora_a"));
        // B's rows move with the base q rows (row 1 of the file is HF row 8: the partner of row 0).
        var b = Values(query.B);
        Assert.Equal(b.AsSpan(8 * 4, 4).ToArray(), file.ReadTensor("blk.1.attn_q.weight.lora_b").AsSpan(1 * 4, 4).ToArray());
        var value = adapters["model.layers.0.self_attn.v_proj"];
        Assert.Equal(Values(value.B), file.ReadTensor("blk.0.attn_v.weight.lora_b"));
    }

    [Fact]
    public void A_model_with_adapters_attached_is_not_exported_as_a_plain_model()
    {
        using var model = TinyModels.Create(ByteLlama());
        LoraInjector.Apply(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ["q_proj"] }, seed: 1);
        var error = Assert.Throws<InvalidOperationException>(() => Export(model));
        Assert.Contains("merge", error.Message);
    }
}
