namespace Twinforge.Registry.Errors;

/// <summary>
/// A version is not in a state that allows the operation: a status change outside Pending → Training →
/// Succeeded/Failed, or updating from a parent that has not succeeded.
/// </summary>
public sealed class InvalidVersionStateException(string message) : RegistryException(message);
