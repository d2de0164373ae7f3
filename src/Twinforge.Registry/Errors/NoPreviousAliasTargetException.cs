namespace Twinforge.Registry.Errors;

/// <summary>A rollback was asked for but the alias has no earlier live target to go back to.</summary>
public sealed class NoPreviousAliasTargetException(string twinName, string alias)
    : RegistryException($"alias '{alias}' of twin '{twinName}' has no previous version to roll back to");
