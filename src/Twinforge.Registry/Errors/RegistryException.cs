namespace Twinforge.Registry.Errors;

/// <summary>
/// The base of every error the registry reports about its content (unknown ids, duplicates, conflicts, refused
/// operations). Messages name the entity involved so a user can act on them; a front door can catch this one type.
/// </summary>
public class RegistryException : Exception
{
    public RegistryException(string message, Exception? inner = null) : base(message, inner) { }
}
