using System.Buffers.Binary;
using System.Text;
using Twinforge.Engine.Gguf;

namespace Twinforge.Engine.Tests.Gguf;

public sealed class GgufWriterTests : IDisposable
{
    readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Header_metadata_and_tensor_infos_are_laid_out_as_the_GGUF_v3_spec_says()
    {
        var writer = new GgufWriter();
        writer.Add("general.architecture", GgufValue.String("llama"));
        writer.Add("llama.block_count", GgufValue.UInt32(2));
        writer.AddTensor("a", [2, 3], GgmlType.F32, () => [1, 2, 3, 4, 5, 6]);
        var path = directory.File("x.gguf");
        writer.Write(path);

        var bytes = File.ReadAllBytes(path);
        int at = 0;
        uint U32() { var v = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)); at += 4; return v; }
        ulong U64() { var v = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at)); at += 8; return v; }
        string Str() { int n = (int)U64(); var s = Encoding.UTF8.GetString(bytes, at, n); at += n; return s; }

        Assert.Equal("GGUF", Encoding.ASCII.GetString(bytes, 0, 4));
        at = 4;
        Assert.Equal(3u, U32());
        Assert.Equal(1ul, U64()); // tensors
        Assert.Equal(2ul, U64()); // metadata
        Assert.Equal("general.architecture", Str());
        Assert.Equal((uint)GgufValueType.String, U32());
        Assert.Equal("llama", Str());
        Assert.Equal("llama.block_count", Str());
        Assert.Equal((uint)GgufValueType.UInt32, U32());
        Assert.Equal(2u, U32());
        Assert.Equal("a", Str());
        Assert.Equal(2u, U32());              // dimensions
        Assert.Equal(3ul, U64());             // ne[0]: the innermost (torch's last) dimension first
        Assert.Equal(2ul, U64());
        Assert.Equal((uint)GgmlType.F32, U32());
        Assert.Equal(0ul, U64());             // offset within the data section
        int dataStart = (at + 31) / 32 * 32;  // default alignment 32
        Assert.All(bytes[at..dataStart], b => Assert.Equal(0, b));
        Assert.Equal(4f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + 12)));
        Assert.Equal(dataStart + 32, bytes.Length); // 24 bytes of data padded to the alignment
    }

    [Fact]
    public void Every_tensor_starts_at_a_multiple_of_the_alignment_and_reads_back()
    {
        var writer = new GgufWriter();
        writer.Add("general.alignment", GgufValue.UInt32(64));
        writer.Add("tokenizer.ggml.tokens", GgufValue.Strings(["a", "ĠHello", "<|im_end|>", ""]));
        writer.Add("tokenizer.ggml.token_type", GgufValue.Int32s([1, 1, 3, 5]));
        writer.Add("x.eps", GgufValue.Float32(1e-6f));
        writer.Add("x.flag", GgufValue.Bool(true));
        var first = Enumerable.Range(0, 5).Select(i => (float)i).ToArray();
        var second = Enumerable.Range(0, 6).Select(i => -0.5f * i).ToArray();
        writer.AddTensor("first", [5], GgmlType.F32, () => first);
        writer.AddTensor("second", [3, 2], GgmlType.F32, () => second);
        var path = directory.File("aligned.gguf");
        writer.Write(path);

        var file = GgufFile.Read(path);
        Assert.Equal(64, file.Alignment);
        Assert.Equal(0, file.DataOffset % 64);
        Assert.All(file.Tensors, tensor => Assert.Equal(0, tensor.Offset % 64));
        Assert.Equal(64, file.Tensor("second").Offset); // 20 bytes of "first", padded to 64
        Assert.Equal(["a", "ĠHello", "<|im_end|>", ""], file.Metadata["tokenizer.ggml.tokens"].AsArray<string>());
        Assert.Equal([1, 1, 3, 5], file.Metadata["tokenizer.ggml.token_type"].AsArray<int>());
        Assert.Equal(1e-6f, (float)file.Metadata["x.eps"].AsFloat());
        Assert.True((bool)file.Metadata["x.flag"].Value);
        Assert.Equal(new long[] { 2, 3 }, file.Tensor("second").Dimensions);
        Assert.Equal(first, file.ReadTensor("first"));
        Assert.Equal(second, file.ReadTensor("second"));
        Assert.Empty(Directory.GetFiles(directory.Path, "*.tmp")); // written through a temporary file, renamed
    }

    [Fact]
    public void Float16_and_bfloat16_round_trip_within_half_a_unit_in_the_last_place()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 256).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var f16 = GgmlEncoding.Decode(GgmlEncoding.Encode(values, GgmlType.F16), GgmlType.F16, values.Length);
        var bf16 = GgmlEncoding.Decode(GgmlEncoding.Encode(values, GgmlType.BF16), GgmlType.BF16, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            // 10 and 7 stored mantissa bits: the error of round-to-nearest is at most 2^-11 and 2^-8 relative.
            Assert.True(Math.Abs(f16[i] - values[i]) <= Math.Abs(values[i]) * Math.Pow(2, -11) + 1e-7, $"f16 {values[i]} → {f16[i]}");
            Assert.True(Math.Abs(bf16[i] - values[i]) <= Math.Abs(values[i]) * Math.Pow(2, -8), $"bf16 {values[i]} → {bf16[i]}");
        }
        Assert.Equal(values, GgmlEncoding.Decode(GgmlEncoding.Encode(values, GgmlType.F32), GgmlType.F32, values.Length));
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even_and_keeps_nan()
    {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0); 1 + 3·2^-8 goes up.
        Assert.Equal(0x3F80, GgmlEncoding.ToBFloat16(1f + MathF.Pow(2, -8)));
        Assert.Equal(0x3F82, GgmlEncoding.ToBFloat16(1f + 3 * MathF.Pow(2, -8)));
        Assert.True(float.IsNaN(BitConverter.Int32BitsToSingle(GgmlEncoding.ToBFloat16(float.NaN) << 16)));
    }

    [Fact]
    public void Q8_0_block_is_a_float16_scale_and_rounded_int8_values()
    {
        // max |x| = 127/64, so d = 1/64 exactly and q = round(64·x), halves away from zero.
        var block = new float[32];
        block[0] = 127f / 64;   // 127
        block[1] = -1f;         // -64
        block[2] = 0.5f / 64;   // 0.5 → 1
        block[3] = -1.5f / 64;  // -1.5 → -2
        block[4] = 0.2f / 64;   // 0.2 → 0
        var bytes = GgmlEncoding.Encode(block, GgmlType.Q8_0);

        Assert.Equal(34, bytes.Length);
        Assert.Equal((Half)(1f / 64), BinaryPrimitives.ReadHalfLittleEndian(bytes));
        Assert.Equal(new sbyte[] { 127, -64, 1, -2, 0, 0 }, bytes[2..8].Select(b => (sbyte)b).ToArray());
        Assert.All(bytes[7..], b => Assert.Equal(0, b));
        var decoded = GgmlEncoding.Decode(bytes, GgmlType.Q8_0, 32);
        Assert.Equal(127f / 64, decoded[0]);
        Assert.Equal(-2f / 64, decoded[3]);
    }

    [Fact]
    public void Q8_0_round_trips_within_half_a_step_of_each_block()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 96).Select(i => (float)(random.NextDouble() - 0.5) * (i < 32 ? 10 : 0.1f)).ToArray();
        var decoded = GgmlEncoding.Decode(GgmlEncoding.Encode(values, GgmlType.Q8_0), GgmlType.Q8_0, values.Length);
        for (int block = 0; block < 3; block++)
        {
            var slice = values.AsSpan(block * 32, 32).ToArray();
            double step = slice.Max(Math.Abs) / 127;
            for (int j = 0; j < 32; j++)
                Assert.True(Math.Abs(decoded[block * 32 + j] - slice[j]) <= step * 0.5 + step * 1e-3, $"block {block} element {j}");
        }
    }

    [Fact]
    public void Q8_0_tensors_need_rows_of_whole_blocks()
    {
        var writer = new GgufWriter();
        var error = Assert.Throws<ArgumentException>(() => writer.AddTensor("w", [4, 48], GgmlType.Q8_0, () => new float[192]));
        Assert.Contains("multiple of 32", error.Message);
    }

    [Fact]
    public void Reading_a_file_that_is_not_GGUF_names_the_file()
    {
        var path = directory.File("bad.gguf");
        File.WriteAllBytes(path, new byte[64]);
        var error = Assert.Throws<InputFileException>(() => GgufFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void Reading_a_truncated_file_says_which_tensor_runs_past_the_end()
    {
        var writer = new GgufWriter();
        writer.AddTensor("big", [64], GgmlType.F32, () => new float[64]);
        var path = directory.File("cut.gguf");
        writer.Write(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var error = Assert.Throws<InputFileException>(() => GgufFile.Read(path));
        Assert.Contains("big", error.Message);
    }
}
