using Twinforge.Registry.Records;

namespace Twinforge.Service.Creators;

// The creators API's shapes (Twinforge's own: the hosted APIs have no creators).

public sealed record ConsentRequest(string? Scope, string? Note);

public sealed record CreateCreatorRequest(string? Name, ConsentRequest? Consent);

public sealed record WithdrawConsentRequest(string? Scope, string? Reason);

public sealed record ConsentObject(string Scope, string? Note, long GivenAt, long? WithdrawnAt)
{
    public static ConsentObject From(ConsentRecord consent) =>
        new(consent.Scope, consent.Note, consent.GivenAt.ToUnixTimeSeconds(), consent.WithdrawnAt?.ToUnixTimeSeconds());
}

/// <summary>
/// A creator with their consents; <c>warnings</c> only in the answer to a request that gave consent for a scope none of
/// Twinforge's data asks for (a likely slip, recorded all the same, as the command line warns and records it).
/// </summary>
public sealed record CreatorObject(string Id, string Object, string Name, long CreatedAt, IReadOnlyList<ConsentObject> Consents,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Warnings = null)
{
    public static CreatorObject From(Creator creator, IEnumerable<ConsentRecord> consents) =>
        new(creator.Name, "creator", creator.DisplayName ?? creator.Name, creator.CreatedAt.ToUnixTimeSeconds(), consents.Select(ConsentObject.From).ToList());
}

/// <summary>What a withdrawal deleted: counts only (the audit record keeps ids and hashes, never the data).</summary>
public sealed record ConsentWithdrawalObject(string Object, string Creator, string Scope, int DeletedDatasets, int DeletedTwinVersions,
    int DeletedArtifacts, long AuditRecord);
