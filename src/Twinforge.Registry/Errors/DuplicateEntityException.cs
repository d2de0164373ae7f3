namespace Twinforge.Registry.Errors;

/// <summary>A record with the same unique name (or dataset content) already exists; <c>advice</c> says what to do instead.</summary>
public sealed class DuplicateEntityException(string entity, string identification, Exception? inner = null, string? advice = null)
    : RegistryException($"a {entity} {identification} already exists" + (advice is null ? "" : $": {advice}"), inner)
{
    public string Entity { get; } = entity;
}
