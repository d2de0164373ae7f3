using System.Buffers.Binary;
using System.Text;
using Twinforge.Engine.Checkpoints;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Checkpoints;

public sealed class SafetensorsFileTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void Round_trip_is_bit_identical_including_nan_inf_and_negative_zero(ScalarType dtype)
    {
        using var directory = new TemporaryDirectory();
        using var original = RandomBits([3, 5, 7], dtype, seed: (int)dtype);
        using var scalar = RandomBits([], dtype, seed: 99);
        using var nothing = empty([0, 4], dtype);
        var path = directory.File("weights.safetensors");
        SafetensorsWriter.Write(path, [new("a.weight", original), new("scalar", scalar), new("empty", nothing)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a.weight", "empty", "scalar"], file.TensorNames);
        foreach (var (name, expected) in new[] { ("a.weight", original), ("scalar", scalar), ("empty", nothing) })
        {
            using var loaded = file.ReadTensor(name);
            Assert.Equal(dtype, loaded.dtype);
            Assert.Equal(expected.shape, loaded.shape);
            Assert.True(expected.bytes.SequenceEqual(loaded.bytes), $"{name} ({dtype}) differs after the round trip");
        }
    }

    [Fact]
    public void Special_float_patterns_survive_the_round_trip_exactly()
    {
        // Quiet and signalling NaN with payloads, ±Inf, -0, the smallest subnormal, per format.
        uint[] f32 = [0x7FC00000, 0x7F800001, 0xFFC12345, 0x7F800000, 0xFF800000, 0x80000000, 0x00000001];
        ushort[] f16 = [0x7E00, 0x7C01, 0xFE3F, 0x7C00, 0xFC00, 0x8000, 0x0001];
        ushort[] bf16 = [0x7FC0, 0x7F81, 0xFFC5, 0x7F80, 0xFF80, 0x8000, 0x0001];
        using var directory = new TemporaryDirectory();
        using var a = FromBits(f32.SelectMany(BitConverter.GetBytes).ToArray(), ScalarType.Float32);
        using var b = FromBits(f16.SelectMany(BitConverter.GetBytes).ToArray(), ScalarType.Float16);
        using var c = FromBits(bf16.SelectMany(BitConverter.GetBytes).ToArray(), ScalarType.BFloat16);
        var path = directory.File("special.safetensors");
        SafetensorsWriter.Write(path, [new("f32", a), new("f16", b), new("bf16", c)]);

        using var file = SafetensorsFile.Open(path);
        foreach (var (name, expected) in new[] { ("f32", a), ("f16", b), ("bf16", c) })
        {
            using var loaded = file.ReadTensor(name);
            Assert.True(expected.bytes.SequenceEqual(loaded.bytes), name);
        }
    }

    [Fact]
    public void Hand_built_file_from_the_spec_reads_correctly()
    {
        // Built byte by byte from the format description, independent of SafetensorsWriter.
        var data = new byte[16 + 6 + 4];
        float[] floats = [1.5f, -2f, 0.25f, 1e10f];
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), floats[i]);
        short[] shorts = [1, -2, 300];
        for (var i = 0; i < 3; i++) BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(16 + 2 * i), shorts[i]);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(22), 0x3FC0); // bf16 1.5
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(24), 0xC040); // bf16 -3
        const string header = """
            {"__metadata__":{"format":"pt","note":"ünïcode"},
             "b":{"dtype":"I16","shape":[3],"data_offsets":[16,22]},
             "a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
             "c":{"dtype":"BF16","shape":[2],"data_offsets":[22,26]}}
            """;
        using var directory = new TemporaryDirectory();
        var path = directory.File("hand.safetensors");
        File.WriteAllBytes(path, HandBuiltSafetensors.Build(header, data));

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b", "c"], file.TensorNames);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("ünïcode", file.Metadata["note"]);
        var info = file.GetInfo("b");
        Assert.Equal((ScalarType.Int16, 16L, 22L), (info.DType, info.Begin, info.End));
        Assert.Equal([3L], info.Shape);

        using var a = file.ReadTensor("a");
        Assert.Equal(new long[] { 2, 2 }, a.shape);
        Assert.Equal(floats, a.data<float>().ToArray());
        using var b = file.ReadTensor("b");
        Assert.Equal(shorts, b.data<short>().ToArray());
        using var c = zeros(2, dtype: ScalarType.Float32);
        file.ReadInto("c", c);
        Assert.Equal([1.5f, -3f], c.data<float>().ToArray());
    }

    [Fact]
    public void Reading_into_another_dtype_converts_like_to()
    {
        using var directory = new TemporaryDirectory();
        using var half = tensor(Enumerable.Range(0, 60).Select(i => (float)Math.Sin(i) * 100).ToArray()).reshape(6, 10).to(ScalarType.Float16);
        var path = directory.File("half.safetensors");
        SafetensorsWriter.Write(path, [new("w", half)]);

        using var file = SafetensorsFile.Open(path);
        using var destination = zeros(6, 10);
        file.ReadInto("w", destination);
        using var expected = half.to(ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, destination.dtype);
        Assert.True(expected.bytes.SequenceEqual(destination.bytes));
    }

    [Fact]
    public void Reading_into_a_parameter_that_requires_grad_works()
    {
        using var directory = new TemporaryDirectory();
        using var source = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        var path = directory.File("p.safetensors");
        SafetensorsWriter.Write(path, [new("p", source)]);

        using var file = SafetensorsFile.Open(path);
        using var sameDtype = TorchSharp.torch.nn.Parameter(zeros(3, 4));
        using var otherDtype = TorchSharp.torch.nn.Parameter(zeros(3, 4, dtype: ScalarType.Float64));
        file.ReadInto("p", sameDtype);
        file.ReadInto("p", otherDtype);
        Assert.True(sameDtype.requires_grad);
        Assert.Equal(source.data<float>().ToArray(), sameDtype.data<float>().ToArray());
        Assert.Equal(source.data<float>().ToArray().Select(v => (double)v), otherDtype.data<double>().ToArray());
    }

    [Fact]
    public void Reading_a_64_MB_tensor_goes_straight_into_the_destination_without_a_managed_copy()
    {
        const long elements = 16L << 20; // 64 MB of float32
        using var directory = new TemporaryDirectory();
        using var original = arange(elements, dtype: ScalarType.Float32);
        var path = directory.File("big.safetensors");

        var beforeWrite = GC.GetAllocatedBytesForCurrentThread();
        SafetensorsWriter.Write(path, [new("big", original)]);
        var writeAllocated = GC.GetAllocatedBytesForCurrentThread() - beforeWrite;

        using var file = SafetensorsFile.Open(path);
        using var destination = empty(elements, dtype: ScalarType.Float32);
        var beforeRead = GC.GetAllocatedBytesForCurrentThread();
        file.ReadInto("big", destination);
        var readAllocated = GC.GetAllocatedBytesForCurrentThread() - beforeRead;

        Assert.True(readAllocated < 64 * 1024, $"ReadInto allocated {readAllocated} managed bytes for a 64 MB tensor");
        Assert.True(writeAllocated < 4L << 20, $"Write allocated {writeAllocated} managed bytes for a 64 MB tensor");
        Assert.True(original.bytes.SequenceEqual(destination.bytes));
    }

    [Fact]
    public void Large_tensors_are_visited_in_whole_element_pieces_in_order()
    {
        using var values = arange(7, dtype: ScalarType.Float32);
        var lengths = new List<int>();
        var seen = new List<byte>();
        TensorStorage.ForEachChunk(values, bytes => { lengths.Add(bytes.Length); seen.AddRange(bytes.ToArray()); }, chunkBytes: 10);
        Assert.Equal([8, 8, 8, 4], lengths);
        Assert.Equal(values.bytes.ToArray(), seen);

        // Writing through the pieces writes the tensor itself.
        byte next = 0;
        TensorStorage.ForEachChunk(values, bytes => { foreach (ref var b in bytes) b = next++; }, chunkBytes: 10);
        Assert.Equal(Enumerable.Range(0, 28).Select(i => (byte)i), values.bytes.ToArray());
    }

    // ---- Bad inputs: every one is an InputFileException naming the file (and the tensor where there is one). ----

    [Fact]
    public void Header_length_larger_than_the_file_is_reported_as_truncated()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("short.safetensors");
        var bytes = new byte[8 + 100];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1234);
        File.WriteAllBytes(path, bytes);

        var error = AssertBadFile(path, item: null);
        Assert.Contains("1234", error.Message);
        Assert.Contains("100", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void File_shorter_than_the_length_field_is_reported()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertBadFile(path, item: null);
    }

    [Fact]
    public void Absurd_header_length_is_rejected_before_allocating()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("huge.safetensors");
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        AssertBadFile(path, item: null);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\", ")]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("")]
    public void Header_that_is_not_a_json_object_is_reported(string header)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("garbage.safetensors");
        File.WriteAllBytes(path, HandBuiltSafetensors.Build(header, []));
        var error = AssertBadFile(path, item: null);
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void Header_that_is_not_utf8_is_reported()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("latin1.safetensors");
        var header = Encoding.Latin1.GetBytes("{\"caf\u00e9\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        AssertBadFile(path, item: null);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", "unsupported dtype 'F8_E4M3'")]
    [InlineData("""{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", "unsupported dtype 'f32'")]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", "dtype is missing")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}""", "needs 24")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "shape must be")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", "shape must be")]
    [InlineData("""{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", "shape must be")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""", "shape is missing")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "data_offsets must be")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "end before they begin")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", "too large")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", "truncated")]
    [InlineData("""{"w":[1,2]}""", "expected an object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "twice")]
    [InlineData("""{"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "overlap")]
    [InlineData("""{"w":{"dtype":"BOOL","shape":[2],"data_offsets":[14,16]}}""", "other than 0 or 1")]
    public void Malformed_tensor_entry_is_reported_with_the_tensor_name(string header, string expectedProblem)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("bad.safetensors");
        var data = new byte[16];
        data[15] = 2; // a BOOL byte that is neither 0 nor 1
        File.WriteAllBytes(path, HandBuiltSafetensors.Build(header, data));

        var error = Assert.Throws<InputFileException>(() =>
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var name in file.TensorNames) file.ReadTensor(name).Dispose();
        });
        Assert.Equal(path, error.FilePath);
        Assert.Equal("w", error.Item);
        Assert.Contains(expectedProblem, error.Message);
    }

    [Fact]
    public void Metadata_that_is_not_string_to_string_is_reported()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("meta.safetensors");
        File.WriteAllBytes(path, HandBuiltSafetensors.Build("""{"__metadata__":{"step":3}}""", []));
        AssertBadFile(path, item: "__metadata__");
    }

    [Fact]
    public void Truncated_file_is_reported_when_opened()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("cut.safetensors");
        using var first = ones(10, 10);
        using var last = ones(4, dtype: ScalarType.Int64);
        SafetensorsWriter.Write(path, [new("a", first), new("z", last)]);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 3);

        var error = AssertBadFile(path, item: "z");
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Destination_of_another_shape_is_reported_with_both_shapes()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("w.safetensors");
        using var weight = zeros(3, 4);
        SafetensorsWriter.Write(path, [new("layer.weight", weight)]);

        using var file = SafetensorsFile.Open(path);
        using var destination = zeros(4, 3);
        var error = Assert.Throws<InputFileException>(() => file.ReadInto("layer.weight", destination));
        Assert.Equal(path, error.FilePath);
        Assert.Equal("layer.weight", error.Item);
        Assert.Contains("[3, 4]", error.Message);
        Assert.Contains("[4, 3]", error.Message);
    }

    [Fact]
    public void Non_contiguous_destination_is_a_caller_error()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("w.safetensors");
        using var weight = zeros(3, 3);
        SafetensorsWriter.Write(path, [new("w", weight)]);
        using var file = SafetensorsFile.Open(path);
        using var transposed = zeros(3, 3).t();
        var error = Assert.Throws<ArgumentException>(() => file.ReadInto("w", transposed));
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void Unknown_tensor_name_and_missing_file_are_reported()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("w.safetensors");
        using var weight = zeros(2);
        SafetensorsWriter.Write(path, [new("w", weight)]);
        using (var file = SafetensorsFile.Open(path))
        {
            var error = Assert.Throws<InputFileException>(() => file.ReadTensor("nope"));
            Assert.Equal("nope", error.Item);
        }
        AssertBadFile(directory.File("absent.safetensors"), item: null);
    }

    static InputFileException AssertBadFile(string path, string? item)
    {
        var error = Assert.Throws<InputFileException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.Equal(item, error.Item);
        Assert.Contains(path, error.Message);
        return error;
    }

    /// <summary>A tensor whose bytes are random (so floats include NaNs, infinities and -0); bools are 0 or 1.</summary>
    internal static Tensor RandomBits(long[] shape, ScalarType dtype, int seed)
    {
        var result = empty(shape, dtype);
        var bytes = result.bytes;
        new Random(seed).NextBytes(bytes);
        if (dtype == ScalarType.Bool)
            foreach (ref var b in bytes) b &= 1;
        return result;
    }

    static Tensor FromBits(byte[] bits, ScalarType dtype)
    {
        var result = empty(bits.Length / SafetensorsDType.ElementSize(dtype), dtype);
        bits.CopyTo(result.bytes);
        return result;
    }
}

/// <summary>Safetensors bytes assembled by hand from the spec: u64 LE header length, padded JSON header, data.</summary>
internal static class HandBuiltSafetensors
{
    public static byte[] Build(string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var paddedLength = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + paddedLength + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)paddedLength);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, paddedLength - header.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + paddedLength);
        return bytes;
    }
}
