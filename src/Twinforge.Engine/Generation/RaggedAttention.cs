using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Attention of one ragged step (<see cref="InferenceSession.ForwardRagged"/>): every stream's rows attend over its
/// own cache. Streams feeding one token — the decoding ones, most of a busy batch — go through
/// <see cref="DecodeAttentionKernel.AttendRows"/> together, one call per layer; prompt chunks each attend on their
/// own (causal within the chunk, after what their cache holds).
/// </summary>
internal sealed class RaggedAttention
{
    readonly IReadOnlyList<RaggedSegment> segments;
    readonly AdapterRows rows;
    readonly AttentionInputs rowInputs;
    readonly List<(int Row, KeyValueCache Cache)> singleRows = [];
    readonly List<(int Segment, AttentionInputs Inputs)> chunks = [];

    /// <param name="positionIds">(1, N) position of every row of the step.</param>
    public RaggedAttention(CausalLanguageModel model, IReadOnlyList<RaggedSegment> segments, AdapterRows rows, Tensor positionIds)
    {
        this.segments = segments;
        this.rows = rows;
        rowInputs = model.RowInputs(positionIds);
        for (int index = 0; index < segments.Count; index++)
        {
            var (offset, count) = rows.SegmentRows(index);
            var cache = segments[index].Cache;
            if (count == 1 && cache.KeyStorage(0).dtype is ScalarType.Float32 or ScalarType.BFloat16 && cache.KeyStorage(0).device_type == TorchSharp.DeviceType.CPU)
            {
                singleRows.Add((offset, cache));
                continue;
            }
            var chunkIds = zeros([1, count], ScalarType.Int64);
            var chunkPositions = positionIds.narrow(1, offset, count);
            chunks.Add((index, model.Prepare(chunkIds, chunkPositions, null, past: cache.Length).Inputs));
        }
    }

    /// <summary>A layer's (1, N, width) projected q, k, v → the (1, N, C) attended values, every stream over its own cache.</summary>
    public Tensor Attend(int layer, CausalSelfAttention attention, Tensor q, Tensor k, Tensor v)
    {
        if (chunks.Count == 1 && singleRows.Count == 0) return InferenceSession.AttendOverCache(segments[0].Cache, layer, attention, q, k, v, chunks[0].Inputs);
        var (queries, keys, values) = attention.ToHeads(q, k, v, rowInputs);            // (1, heads, N, d)
        var attended = empty([1, rows.RowCount, queries.shape[1] * queries.shape[3]], segments[0].Cache.KeyStorage(layer).dtype);
        DecodeAttentionKernel.AttendRows(queries, keys, values, singleRows, layer, attended);
        foreach (var (index, inputs) in chunks)
        {
            var (offset, count) = rows.SegmentRows(index);
            var chunk = InferenceSession.AttendOverCache(segments[index].Cache, layer, attention,
                q.narrow(1, offset, count), k.narrow(1, offset, count), v.narrow(1, offset, count), inputs);
            using var target = attended.narrow(1, offset, count);
            target.copy_(chunk);
        }
        return attended;
    }
}
