namespace Twinforge.Engine;

/// <summary>
/// What a user supplied (an option, a setting, a name, a prompt, data) is wrong, rather than the program: the message
/// says what was given and what is expected, so the user can fix it. Front doors report it as bad input (the CLI
/// exits with code 2); any other exception that escapes is a failure or a bug. A file at fault is the more specific
/// <see cref="InputFileException"/>.
/// </summary>
/// <remarks>
/// Argument checks of library APIs that a correct caller never fails (a null, a negative count, a tensor of the wrong
/// shape) stay <see cref="ArgumentException"/>: reaching one is a bug in the caller, not in the user's input.
/// </remarks>
public class BadInputException : Exception
{
    public BadInputException(string message, Exception? inner = null) : base(message, inner) { }
}
