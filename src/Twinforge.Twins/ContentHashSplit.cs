using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Twinforge.Twins;

/// <summary>
/// Splits a dataset's examples (non-blank lines of JSONL or text) into a training part and a held-out part by a hash
/// of each line's content: the same line is held out in every version and every rebuild, whatever order or company it
/// arrives in. At least one example is held out when the share is positive and there are two or more.
/// </summary>
public static class ContentHashSplit
{
    public static (IReadOnlyList<string> Train, IReadOnlyList<string> HeldOut) Split(IReadOnlyList<string> lines, double heldOutFraction)
    {
        var examples = lines.Where(line => line.Trim().Length > 0).ToList();
        if (heldOutFraction <= 0 || examples.Count < 2) return (examples, []);
        var scored = examples.Select(line => (Line: line, Score: Score(line))).ToList();
        var heldOut = scored.Where(example => example.Score < heldOutFraction).Select(example => example.Line).ToHashSet();
        if (heldOut.Count == 0) heldOut.Add(scored.MinBy(example => example.Score).Line);
        if (heldOut.Count == examples.Count) heldOut.Remove(scored.MaxBy(example => example.Score).Line);
        return (examples.Where(line => !heldOut.Contains(line)).ToList(), examples.Where(heldOut.Contains).ToList());
    }

    /// <summary>A uniform number in [0, 1) from the line's SHA-256.</summary>
    static double Score(string line)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(line.TrimEnd('\r')), digest);
        return (BinaryPrimitives.ReadUInt64BigEndian(digest) >> 11) / (double)(1UL << 53);
    }
}
