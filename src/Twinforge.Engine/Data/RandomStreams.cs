namespace Twinforge.Engine.Data;

/// <summary>The purposes random streams are derived for (see <see cref="SplitMix64.Derive"/>), so they never coincide.</summary>
internal static class RandomStreams
{
    public const long SeededDocumentSplit = 1;
    public const long BatchOrder = 2;
    public const long Replay = 3;
}
