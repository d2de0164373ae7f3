using System.Buffers.Binary;
using System.Text;
using Twinforge.Engine.Checkpoints;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Checkpoints;

public sealed class SafetensorsWriterTests
{
    [Fact]
    public void Output_matches_the_spec_byte_for_byte()
    {
        using var directory = new TemporaryDirectory();
        using var weight = tensor(new[] { 1.5f, -2f });
        using var ids = tensor(new short[] { 7 });
        var path = directory.File("pinned.safetensors");
        SafetensorsWriter.Write(path, [new("x", weight), new("b", ids)], new Dictionary<string, string> { ["format"] = "pt" });

        // Tensors sorted by name, offsets consecutive, metadata first; JSON padded with spaces to a multiple of 8.
        var expected = HandBuiltSafetensors.Build(
            """{"__metadata__":{"format":"pt"},"b":{"dtype":"I16","shape":[1],"data_offsets":[0,2]},"x":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}""",
            [7, 0, 0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0]);
        var actual = File.ReadAllBytes(path);
        Assert.Equal(Encoding.UTF8.GetString(expected, 8, expected.Length - 8 - 10), Encoding.UTF8.GetString(actual, 8, actual.Length - 8 - 10));
        Assert.Equal(expected, actual);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(actual) % 8);
    }

    [Fact]
    public void Same_weights_give_the_same_bytes_whatever_the_input_order()
    {
        using var directory = new TemporaryDirectory();
        using var a = SafetensorsFileTests.RandomBits([4, 4], ScalarType.Float32, seed: 1);
        using var b = SafetensorsFileTests.RandomBits([3], ScalarType.BFloat16, seed: 2);
        using var c = SafetensorsFileTests.RandomBits([2, 2], ScalarType.Int64, seed: 3);
        var first = directory.File("first.safetensors");
        var second = directory.File("second.safetensors");
        SafetensorsWriter.Write(first, [new("a", a), new("b", b), new("c", c)],
            new Dictionary<string, string> { ["format"] = "pt", ["author"] = "x" });
        SafetensorsWriter.Write(second, [new("c", c), new("a", a), new("b", b)],
            new Dictionary<string, string> { ["author"] = "x", ["format"] = "pt" });
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Non_contiguous_tensor_is_written_in_row_major_order()
    {
        using var directory = new TemporaryDirectory();
        using var matrix = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var transposed = matrix.t();
        var path = directory.File("t.safetensors");
        SafetensorsWriter.Write(path, [new("t", transposed)]);

        using var file = SafetensorsFile.Open(path);
        using var loaded = file.ReadTensor("t");
        Assert.Equal(new long[] { 3, 2 }, loaded.shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], loaded.data<float>().ToArray());
    }

    [Fact]
    public void Overwrite_replaces_the_file_and_leaves_no_temporary_files()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("w.safetensors");
        using var before = zeros(100);
        using var after = ones(2);
        SafetensorsWriter.Write(path, [new("w", before)]);
        SafetensorsWriter.Write(path, [new("w", after)]);

        Assert.Equal(["w.safetensors"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
        using var file = SafetensorsFile.Open(path);
        using var loaded = file.ReadTensor("w");
        Assert.Equal([1f, 1f], loaded.data<float>().ToArray());
    }

    [Fact]
    public void Invalid_input_is_rejected_before_the_target_is_touched()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("w.safetensors");
        using var good = zeros(2);
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat32);

        Assert.Contains("'w'", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("w", good), new("w", good)])).Message);
        Assert.Contains("__metadata__", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("__metadata__", good)])).Message);
        Assert.Contains("'c'", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("c", complex)])).Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void Empty_tensor_set_is_a_valid_file()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("empty.safetensors");
        SafetensorsWriter.Write(path, []);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.TensorNames);
        Assert.Empty(file.Metadata);
    }
}
