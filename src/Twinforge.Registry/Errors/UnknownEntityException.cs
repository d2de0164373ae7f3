namespace Twinforge.Registry.Errors;

/// <summary>An id or name that the registry has no record of, e.g. "no twin version with id 42".</summary>
public sealed class UnknownEntityException(string entity, string identification)
    : RegistryException($"no {entity} {identification}")
{
    /// <summary>The kind of record looked for: "creator", "twin", "twin version", ….</summary>
    public string Entity { get; } = entity;
}
