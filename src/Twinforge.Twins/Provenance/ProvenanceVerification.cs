namespace Twinforge.Twins.Provenance;

/// <summary>Why a record did not verify.</summary>
public enum ProvenanceFailure
{
    None,
    /// <summary>A field is missing, mistyped or malformed (<see cref="ProvenanceVerification.Field"/> names it), or the document holds no record.</summary>
    MalformedField,
    /// <summary>The record names another signing key than the one it was checked with.</summary>
    KeyIdMismatch,
    /// <summary>The signature does not cover the record as it is: changed after signing, or another record's signature.</summary>
    SignatureMismatch,
    /// <summary>The record verifies, but the prompt or text given with it does not match its hash.</summary>
    ContentMismatch,
}

/// <summary>The verdict on one record: valid, or what failed (and, for a malformed one, which field).</summary>
public sealed record ProvenanceVerification(ProvenanceRecord? Record, ProvenanceFailure Failure, string? Problem, string? Field = null)
{
    public bool IsValid => Failure == ProvenanceFailure.None;

    public static ProvenanceVerification Valid(ProvenanceRecord record) => new(record, ProvenanceFailure.None, null);

    public static ProvenanceVerification Failed(ProvenanceRecord? record, ProvenanceFailure failure, string problem) => new(record, failure, problem);

    public static ProvenanceVerification Malformed(ProvenanceFormatException malformed) =>
        new(null, ProvenanceFailure.MalformedField, malformed.Message, malformed.Field);
}
