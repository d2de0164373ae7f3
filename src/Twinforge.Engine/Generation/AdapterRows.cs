using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Where each segment of a ragged step sits among the step's rows, and which runs of rows share an adapter: a
/// projection's base product covers every row, then each run's low-rank delta, scaling · x·Aᵀ·Bᵀ, is added to its
/// rows alone (rows of the bare base get none).
/// </summary>
/// <remarks>
/// Runs are contiguous row ranges, so a run's input and output are views (narrow), not gathered copies; adjacent
/// segments with the same adapter merge into one run, so a batch ordered by adapter costs one pair of small products
/// per distinct adapter and projection, computed as <see cref="LoraAdapter.Delta"/> computes it (A's product, then
/// B's, scaled) in the factors' dtype. Runs of one row — a decoding stream alone with its twin, the common case when
/// many twins are served — go together through <see cref="LowRankDeltaKernel"/> in one call per projection.
/// </remarks>
internal sealed class AdapterRows
{
    readonly (int Offset, int Count)[] segmentRows;
    readonly List<Run> runs = [];
    readonly long[] lastRowsNeedingLogits;

    public AdapterRows(IReadOnlyList<RaggedSegment> segments)
    {
        segmentRows = new (int, int)[segments.Count];
        var needingLogits = new List<long>();
        int offset = 0;
        for (int index = 0; index < segments.Count; index++)
        {
            var segment = segments[index];
            int count = segment.TokenIds.Count;
            segmentRows[index] = (offset, count);
            if (segment.NeedsLogits) needingLogits.Add(offset + count - 1);
            if (segment.Adapter is { } adapter)
            {
                if (runs.Count > 0 && ReferenceEquals(runs[^1].Adapter, adapter) && runs[^1].Offset + runs[^1].Count == offset)
                    runs[^1] = runs[^1] with { Count = runs[^1].Count + count };
                else runs.Add(new Run(adapter, offset, count));
            }
            offset += count;
        }
        RowCount = offset;
        lastRowsNeedingLogits = needingLogits.ToArray();
    }

    /// <summary>Rows of the whole step.</summary>
    public int RowCount { get; }

    /// <summary>The first row and the row count of segment <paramref name="index"/>.</summary>
    public (int Offset, int Count) SegmentRows(int index) => segmentRows[index];

    /// <summary>The last row of every segment that needs logits, in segment order.</summary>
    public long[] LastRowsOfSegmentsNeedingLogits() => lastRowsNeedingLogits;

    /// <summary>
    /// Adds to <paramref name="result"/> (1, N, out), in place, each run's delta for its rows of <paramref name="input"/>
    /// (1, N, in), and returns it.
    /// </summary>
    public Tensor AddDeltas(Projection projection, Tensor input, Tensor result)
    {
        List<(int Row, LowRankFactors Factors)>? singleRows = null;
        foreach (var run in runs)
        {
            if (run.Adapter.For(projection) is not { } factors) continue;
            if (run.Count == 1 && LowRankDeltaKernel.Supports(input, result, factors))
            {
                (singleRows ??= []).Add((run.Offset, factors));
                continue;
            }
            bool whole = run.Count == RowCount;
            var x = whole ? input : input.narrow(1, run.Offset, run.Count);
            if (x.dtype != factors.A.dtype) x = x.to(factors.A.dtype);
            var delta = nn.functional.linear(x, factors.A).matmul(factors.BTransposed).Times(factors.Scaling);
            var rows = whole ? result : result.narrow(1, run.Offset, run.Count);
            rows.PlusInPlace(delta.dtype == rows.dtype ? delta : delta.to(rows.dtype));
        }
        // One row per twin (decoding streams of different twins): one kernel call for all of them.
        if (singleRows is not null) LowRankDeltaKernel.AddRows(input, result, singleRows);
        return result;
    }

    readonly record struct Run(AdapterWeights Adapter, int Offset, int Count);
}
