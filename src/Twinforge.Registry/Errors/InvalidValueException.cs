namespace Twinforge.Registry.Errors;

/// <summary>
/// A name, alias, consent scope or other value a caller passed on behalf of a user is not valid: the message names it
/// and says what is accepted. Checks of values that code produces (content hashes, JSON) stay ArgumentException, since
/// failing one is a bug.
/// </summary>
public sealed class InvalidValueException(string message) : RegistryException(message);
