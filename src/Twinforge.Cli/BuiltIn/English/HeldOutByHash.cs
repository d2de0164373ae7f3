using System.Buffers.Binary;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// Which documents are held out: those whose text's SHA-256, read as a number, falls in the first
/// <see cref="Fraction"/> of the range. The choice depends on a document's text alone, so it is the same on every
/// machine, in any order, and a document keeps its side when other documents are added or removed.
/// </summary>
public static class HeldOutByHash
{
    /// <summary>About one document in a hundred.</summary>
    public const double Fraction = 0.01;

    const ulong Buckets = 10_000;

    public static bool IsHeldOut(byte[] sha256) =>
        BinaryPrimitives.ReadUInt64BigEndian(sha256) % Buckets < (ulong)Math.Round(Fraction * Buckets);
}
