using System.Text.Json.Nodes;
using Twinforge.Engine.Checkpoints;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Checkpoints;

public sealed class SafetensorsCheckpointTests
{
    /// <summary>Six 1 KB tensors (a … f) of mixed dtypes, with random bits.</summary>
    static List<KeyValuePair<string, Tensor>> SixTensors() =>
    [
        new("layers.0.a", SafetensorsFileTests.RandomBits([16, 16], ScalarType.Float32, 1)),
        new("layers.0.b", SafetensorsFileTests.RandomBits([512], ScalarType.BFloat16, 2)),
        new("layers.1.c", SafetensorsFileTests.RandomBits([8, 64], ScalarType.Float16, 3)),
        new("layers.1.d", SafetensorsFileTests.RandomBits([128], ScalarType.Int64, 4)),
        new("layers.2.e", SafetensorsFileTests.RandomBits([256], ScalarType.Float32, 5)),
        new("layers.2.f", SafetensorsFileTests.RandomBits([2, 4, 64], ScalarType.Float16, 6)),
    ];

    static void DisposeAll(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        foreach (var (_, tensor) in tensors) tensor.Dispose();
    }

    [Fact]
    public void Small_checkpoint_is_one_file_without_an_index()
    {
        using var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        try
        {
            SafetensorsCheckpoint.Save(directory.Path, tensors, metadata: new Dictionary<string, string> { ["format"] = "pt" });
            Assert.Equal(["model.safetensors"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
            Assert.True(SafetensorsCheckpoint.IsSafetensorsCheckpoint(directory.Path));
            using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
            Assert.Equal("pt", checkpoint.Metadata["format"]);
            AssertSameTensors(tensors, checkpoint);
        }
        finally { DisposeAll(tensors); }
    }

    [Fact]
    public void Sharded_save_writes_hugging_face_shards_and_an_index_that_loads_identically()
    {
        using var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        try
        {
            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 2500);

            string[] shards = ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"];
            Assert.Equal([.. shards, "model.safetensors.index.json"], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
            var index = JsonNode.Parse(File.ReadAllText(directory.File("model.safetensors.index.json")))!;
            Assert.Equal(6 * 1024, index["metadata"]!["total_size"]!.GetValue<long>());
            var weightMap = index["weight_map"]!.AsObject().ToDictionary(e => e.Key, e => e.Value!.GetValue<string>());
            Assert.Equal(new Dictionary<string, string>
            {
                ["layers.0.a"] = shards[0], ["layers.0.b"] = shards[0],
                ["layers.1.c"] = shards[1], ["layers.1.d"] = shards[1],
                ["layers.2.e"] = shards[2], ["layers.2.f"] = shards[2],
            }, weightMap);

            using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
            Assert.Equal(3, checkpoint.FilePaths.Count);
            AssertSameTensors(tensors, checkpoint);
        }
        finally { DisposeAll(tensors); }
    }

    [Fact]
    public void Tensor_larger_than_the_shard_limit_gets_a_shard_of_its_own()
    {
        using var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        try
        {
            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 100);
            Assert.Equal(6, Directory.GetFiles(directory.Path, "model-*-of-00006.safetensors").Length);
            using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
            AssertSameTensors(tensors, checkpoint);
        }
        finally { DisposeAll(tensors); }
    }

    [Fact]
    public void Resaving_replaces_the_previous_set_of_files()
    {
        using var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        try
        {
            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 2500); // 3 shards
            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 3072); // 2 shards
            Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
                Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
            using (var checkpoint = SafetensorsCheckpoint.Open(directory.Path)) AssertSameTensors(tensors, checkpoint);

            SafetensorsCheckpoint.Save(directory.Path, tensors); // unsharded: old shards and index go
            Assert.Equal(["model.safetensors"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
            using (var checkpoint = SafetensorsCheckpoint.Open(directory.Path)) AssertSameTensors(tensors, checkpoint);

            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 2500); // sharded again: the single file goes
            Assert.DoesNotContain("model.safetensors", Directory.GetFiles(directory.Path).Select(Path.GetFileName));
            using (var checkpoint = SafetensorsCheckpoint.Open(directory.Path)) AssertSameTensors(tensors, checkpoint);
        }
        finally { DisposeAll(tensors); }
    }

    [Fact]
    public void Failed_save_leaves_the_previous_checkpoint_untouched()
    {
        using var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        using var complex = zeros(4, dtype: ScalarType.ComplexFloat32);
        try
        {
            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 2500);
            var before = Directory.GetFiles(directory.Path).Order().Select(File.ReadAllBytes).ToList();
            Assert.Throws<ArgumentException>(() =>
                SafetensorsCheckpoint.Save(directory.Path, [.. tensors, new("z", complex)], maxShardBytes: 2500));
            Assert.Equal(before, Directory.GetFiles(directory.Path).Order().Select(File.ReadAllBytes).ToList());
        }
        finally { DisposeAll(tensors); }
    }

    [Fact]
    public void Base_names_keep_adapters_and_models_apart()
    {
        using var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        try
        {
            SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 2500);
            SafetensorsCheckpoint.Save(directory.Path, tensors.Take(2), baseName: "adapter_model");
            Assert.True(File.Exists(directory.File("adapter_model.safetensors")));
            Assert.True(File.Exists(directory.File("model.safetensors.index.json")));
            Assert.Equal(3, Directory.GetFiles(directory.Path, "model-*.safetensors").Length);
            using var adapter = SafetensorsCheckpoint.Open(directory.Path, "adapter_model");
            Assert.Equal(["layers.0.a", "layers.0.b"], adapter.TensorNames);
        }
        finally { DisposeAll(tensors); }
    }

    [Fact]
    public void Reading_across_shards_converts_to_the_destination_dtype()
    {
        using var directory = new TemporaryDirectory();
        using var source = arange(512, dtype: ScalarType.Float32).remainder(256).to(ScalarType.BFloat16); // exact in bf16
        using var other = zeros(512, dtype: ScalarType.BFloat16);
        SafetensorsCheckpoint.Save(directory.Path, [new("x", source), new("y", other)], maxShardBytes: 1024);
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        Assert.Equal(2, checkpoint.FilePaths.Count);
        using var destination = empty(512, dtype: ScalarType.Float32);
        checkpoint.ReadInto("x", destination);
        Assert.Equal(Enumerable.Range(0, 512).Select(i => (float)(i % 256)), destination.data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, checkpoint.GetInfo("y").DType);
    }

    // ---- Bad directories and indexes ----

    [Fact]
    public void Directory_without_weights_is_not_a_checkpoint()
    {
        using var directory = new TemporaryDirectory();
        Assert.False(SafetensorsCheckpoint.IsSafetensorsCheckpoint(directory.Path));
        var error = Assert.Throws<InputFileException>(() => SafetensorsCheckpoint.Open(directory.Path));
        Assert.Equal(directory.Path, error.FilePath);
        Assert.Contains("model.safetensors", error.Message);
        Assert.Throws<InputFileException>(() => SafetensorsCheckpoint.Open(directory.File("absent")));
    }

    [Fact]
    public void Index_naming_a_missing_shard_is_reported()
    {
        using var directory = ShardedCheckpoint();
        File.Delete(directory.File("model-00002-of-00003.safetensors"));
        var error = AssertBadIndex(directory);
        Assert.Equal("model-00002-of-00003.safetensors", error.Item);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void Index_mapping_a_tensor_to_a_shard_without_it_is_reported()
    {
        using var directory = ShardedCheckpoint();
        EditIndex(directory, weightMap => weightMap["layers.1.c"] = "model-00001-of-00003.safetensors");
        var error = AssertBadIndex(directory);
        Assert.Equal("layers.1.c", error.Item);
        Assert.Contains("model-00001-of-00003.safetensors", error.Message);
    }

    [Fact]
    public void Tensor_present_in_two_shards_is_reported()
    {
        using var directory = ShardedCheckpoint();
        // Rewrite shard 3 so it also holds layers.0.a, which the index maps to shard 1.
        using var duplicate = zeros(16, 16);
        using var e = zeros(256);
        using var f = zeros(2, 4, 64, dtype: ScalarType.Float16);
        SafetensorsWriter.Write(directory.File("model-00003-of-00003.safetensors"),
            [new("layers.0.a", duplicate), new("layers.2.e", e), new("layers.2.f", f)]);
        var error = AssertBadIndex(directory);
        Assert.Equal("layers.0.a", error.Item);
        Assert.Contains("two shards", error.Message);
    }

    [Fact]
    public void Shard_tensor_missing_from_the_index_is_reported()
    {
        using var directory = ShardedCheckpoint();
        EditIndex(directory, weightMap => weightMap.Remove("layers.2.f"));
        Assert.Equal("layers.2.f", AssertBadIndex(directory).Item);
    }

    [Theory]
    [InlineData("{\"weight_map\": {\"a\": ")]
    [InlineData("[]")]
    [InlineData("{\"metadata\": {}}")]
    [InlineData("{\"weight_map\": {\"a\": 3}}")]
    [InlineData("{\"weight_map\": {\"a\": \"../outside.safetensors\"}}")]
    [InlineData("{\"weight_map\": {\"a\": \"x.safetensors\", \"a\": \"y.safetensors\"}}")]
    public void Malformed_index_is_reported(string json)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("model.safetensors.index.json"), json);
        AssertBadIndex(directory);
    }

    [Fact]
    public void Corrupt_shard_is_reported_with_the_shard_path()
    {
        using var directory = ShardedCheckpoint();
        var shard = directory.File("model-00003-of-00003.safetensors");
        using (var stream = new FileStream(shard, FileMode.Open)) stream.SetLength(stream.Length - 1);
        var error = Assert.Throws<InputFileException>(() => SafetensorsCheckpoint.Open(directory.Path));
        Assert.Equal(shard, error.FilePath);
    }

    [Fact]
    public void Unknown_tensor_name_is_reported()
    {
        using var directory = ShardedCheckpoint();
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var error = Assert.Throws<InputFileException>(() => checkpoint.GetInfo("nope"));
        Assert.Equal("nope", error.Item);
    }

    static TemporaryDirectory ShardedCheckpoint()
    {
        var directory = new TemporaryDirectory();
        var tensors = SixTensors();
        try { SafetensorsCheckpoint.Save(directory.Path, tensors, maxShardBytes: 2500); }
        finally { DisposeAll(tensors); }
        return directory;
    }

    static void EditIndex(TemporaryDirectory directory, Action<JsonObject> editWeightMap)
    {
        var path = directory.File("model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        editWeightMap(index["weight_map"]!.AsObject());
        File.WriteAllText(path, index.ToJsonString());
    }

    static InputFileException AssertBadIndex(TemporaryDirectory directory)
    {
        var error = Assert.Throws<InputFileException>(() => SafetensorsCheckpoint.Open(directory.Path).Dispose());
        Assert.Equal(directory.File("model.safetensors.index.json"), error.FilePath);
        return error;
    }

    static void AssertSameTensors(IEnumerable<KeyValuePair<string, Tensor>> expected, SafetensorsCheckpoint checkpoint)
    {
        var expectedList = expected.ToList();
        Assert.Equal(expectedList.Select(e => e.Key).Order(StringComparer.Ordinal), checkpoint.TensorNames);
        foreach (var (name, tensor) in expectedList)
        {
            using var loaded = checkpoint.ReadTensor(name);
            Assert.Equal(tensor.dtype, loaded.dtype);
            Assert.Equal(tensor.shape, loaded.shape);
            Assert.True(tensor.bytes.SequenceEqual(loaded.bytes), $"{name} differs");
        }
    }
}
