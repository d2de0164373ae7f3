using System.Text.Json.Serialization;

namespace Twinforge.Service.Models;

/// <summary>
/// A model in the hosted API's shape (<c>id</c>, <c>object</c>, <c>created</c>, <c>owned_by</c>), with what it is under
/// <c>twinforge</c>: a base, or a twin's version with its aliases.
/// </summary>
public sealed record ModelObject(string Id, string Object, long Created, string OwnedBy)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ModelDetail? Twinforge { get; init; }
}

/// <summary>What a model id stands for: <c>kind</c> "base" or "twin"; for a twin, its creator, name, version, aliases and base.</summary>
public sealed record ModelDetail(string Kind, string Base,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Creator,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Twin,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Aliases);
