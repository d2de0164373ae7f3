namespace Twinforge.Registry.Errors;

/// <summary>A record with the same unique name (or dataset content) already exists.</summary>
public sealed class DuplicateEntityException(string entity, string identification, Exception? inner = null)
    : RegistryException($"a {entity} {identification} already exists", inner)
{
    public string Entity { get; } = entity;
}
