namespace Twinforge.Engine.Data;

/// <summary>A document as a reader produces it: tokens, the trainable mask, and where it starts in its file.</summary>
internal sealed record SourceDocument(int[] Ids, bool[] Trainable, long Line);
