namespace Twinforge.Twins.Provenance;

/// <summary>A provenance record (or a document meant to hold one) that is not in the record's format: names the field at fault.</summary>
public sealed class ProvenanceFormatException(string fieldName, string problem) : Exception($"'{fieldName}' {problem}")
{
    /// <summary>The field at fault, as the record names it (<c>sampling.top_p</c>).</summary>
    public string Field { get; } = fieldName;
}
