using Twinforge.Engine.Generation;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>
/// The decoding attention kernel against libtorch's scaled_dot_product_attention over the same cache positions:
/// both dtypes, head sizes that do and do not fill whole SIMD blocks, grouped-query heads, key padding masks, and
/// a query that may attend to nothing.
/// </summary>
[Collection("Torch")]
public sealed class DecodeAttentionKernelTests
{
    /// <summary>The kernel's result and SDPA's, both (B, 1, H·d) in float32.</summary>
    static (Tensor Kernel, Tensor Reference) Both(ScalarType dtype, long batch, long heads, long keyValueHeads, long dimension,
        int length, int capacity, Tensor? mask, int seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var query = randn([batch, 1, heads, dimension], generator: generator).to(dtype).transpose(1, 2); // a strided view, as in the model
        var keys = randn([batch, keyValueHeads, capacity, dimension], generator: generator).mul_(2).to(dtype);
        var values = randn([batch, keyValueHeads, capacity, dimension], generator: generator).to(dtype);

        var kernel = DecodeAttentionKernel.Attend(query, keys, values, length, mask);

        int group = (int)(heads / keyValueHeads);
        var usedKeys = keys.narrow(2, 0, length).repeat_interleave(group, 1);
        var usedValues = values.narrow(2, 0, length).repeat_interleave(group, 1);
        var reference = nn.functional.scaled_dot_product_attention(query.to(float32), usedKeys.to(float32), usedValues.to(float32), mask)
            .transpose(1, 2).reshape(batch, 1, heads * dimension);
        return (kernel.to(float32).MoveToOuterDisposeScope(), reference.MoveToOuterDisposeScope());
    }

    [Theory]
    [InlineData(ScalarType.Float32, 64, 1)]
    [InlineData(ScalarType.Float32, 64, 37)]
    [InlineData(ScalarType.Float32, 40, 7)]   // 40 = whole vectors plus a tail in every loop
    [InlineData(ScalarType.Float32, 8, 3)]
    [InlineData(ScalarType.BFloat16, 64, 1)]
    [InlineData(ScalarType.BFloat16, 64, 37)]
    [InlineData(ScalarType.BFloat16, 40, 7)]
    [InlineData(ScalarType.BFloat16, 8, 3)]
    [InlineData(ScalarType.Float32, 16, 2100)]  // beyond the scores' stack buffer: a rented array
    [InlineData(ScalarType.BFloat16, 16, 2100)]
    public void Matches_scaled_dot_product_attention_over_the_stored_positions(ScalarType dtype, long dimension, int length)
    {
        var (kernel, reference) = Both(dtype, batch: 3, heads: 4, keyValueHeads: 4, dimension, length, capacity: Math.Max(48, length + 3), mask: null, seed: length);
        using (kernel) using (reference) AssertClose(kernel, reference, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Grouped_query_heads_read_their_shared_key_value_head(ScalarType dtype)
    {
        var (kernel, reference) = Both(dtype, batch: 2, heads: 6, keyValueHeads: 2, dimension: 64, length: 19, capacity: 24, mask: null, seed: 4);
        using (kernel) using (reference) AssertClose(kernel, reference, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void A_key_padding_mask_hides_the_keys_it_marks(ScalarType dtype)
    {
        // Stream 0 attends to every key; stream 1's first five keys are padding; stream 2 sees only the last key.
        const int Length = 21;
        using var valid = ones([3, Length], ScalarType.Bool);
        using (var padding = valid[1].narrow(0, 0, 5)) padding.fill_(false);
        using (var hidden = valid[2].narrow(0, 0, Length - 1)) hidden.fill_(false);
        using var mask = valid.view(3, 1, 1, Length);
        var (kernel, reference) = Both(dtype, batch: 3, heads: 4, keyValueHeads: 4, dimension: 64, Length, capacity: 32, mask, seed: 8);
        using (kernel) using (reference) AssertClose(kernel, reference, dtype);
    }

    [Fact]
    public void A_query_that_may_attend_to_no_key_gets_zeros_as_sdpa_gives()
    {
        using var mask = zeros([2, 1, 1, 5], ScalarType.Bool);
        using (var open = mask[0]) open.fill_(true);
        var (kernel, reference) = Both(ScalarType.Float32, batch: 2, heads: 2, keyValueHeads: 2, dimension: 16, length: 5, capacity: 8, mask, seed: 2);
        using (kernel) using (reference)
        {
            using var referenceRow = reference[1];
            using var kernelRow = kernel[1];
            Assert.Equal(0f, referenceRow.abs().max().item<float>()); // libtorch's behaviour, which the kernel follows
            Assert.Equal(0f, kernelRow.abs().max().item<float>());
            AssertClose(kernel, reference, ScalarType.Float32);
        }
    }

    [Fact]
    public void A_stream_gets_the_same_result_whatever_batch_it_is_decoded_in()
    {
        using var generator = new Generator(11);
        using var query = randn([4, 12, 1, 64], generator: generator).to(bfloat16);
        using var keys = randn([4, 12, 40, 64], generator: generator).to(bfloat16);
        using var values = randn([4, 12, 40, 64], generator: generator).to(bfloat16);
        using var together = DecodeAttentionKernel.Attend(query, keys, values, 33, null);
        using var queryAlone = query.narrow(0, 2, 1);
        using var keysAlone = keys.narrow(0, 2, 1).contiguous();
        using var valuesAlone = values.narrow(0, 2, 1).contiguous();
        using var alone = DecodeAttentionKernel.Attend(queryAlone, keysAlone, valuesAlone, 33, null);
        using var row = together.narrow(0, 2, 1);
        using var same = row.eq(alone).all();
        Assert.True(same.item<bool>(), "decoding a stream alone should give exactly its row of the batch");
    }

    [Fact]
    public void Refuses_a_length_beyond_the_storage()
    {
        using var query = zeros([1, 2, 1, 8]);
        using var keys = zeros([1, 2, 4, 8]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DecodeAttentionKernel.Attend(query, keys, keys, 5, null));
        Assert.Contains("holds 4 positions", error.Message);
    }

    [Fact]
    public void Rounds_to_bfloat16_as_libtorch_does()
    {
        var values = new[] { 1.0f, 1.00390625f, 1.01171875f, -3.3f, 1e-40f, float.MaxValue, float.PositiveInfinity, 65504.7f, 0.1f };
        using var source = tensor(values);
        using var converted = source.to(bfloat16);
        var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(converted.bytes).ToArray();
        Assert.Equal(expected, values.Select(BFloat16Lanes.FromSingle).ToArray());
    }

    static void AssertClose(Tensor actual, Tensor expected, ScalarType dtype)
    {
        // The kernel rounds once, to the output dtype; libtorch's float32 SDPA is the reference, so bf16 results may
        // differ by the output's rounding (2⁻⁸ relative) plus the inputs' shared rounding (none: both read the same bf16).
        double tolerance = dtype == ScalarType.BFloat16 ? 8e-3 : 2e-5;
        using var difference = (actual - expected).abs().max();
        double scale = expected.abs().max().item<float>();
        Assert.True(difference.item<float>() <= tolerance * Math.Max(scale, 1),
            $"max difference {difference.item<float>()} against values up to {scale}");
    }
}
