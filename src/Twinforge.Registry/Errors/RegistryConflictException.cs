namespace Twinforge.Registry.Errors;

/// <summary>
/// Another writer changed the same twin or alias first (two processes updating one twin: one wins, the other gets
/// this). Nothing of the losing operation was recorded; the caller may re-read and retry.
/// </summary>
public sealed class RegistryConflictException(string message, Exception? inner = null) : RegistryException(message, inner);
