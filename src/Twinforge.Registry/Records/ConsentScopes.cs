using Twinforge.Registry.Errors;

namespace Twinforge.Registry.Records;

/// <summary>
/// The kinds of a creator's likeness that consent is given for. Data is tagged with the scope it needs; consent for
/// <see cref="All"/> covers every scope. Other lowercase names are accepted so new media need no schema change.
/// </summary>
public static class ConsentScopes
{
    public const string Text = "text";
    public const string Voice = "voice";
    public const string Face = "face";
    public const string All = "all";

    /// <summary>The scopes Twinforge's own data asks for, and the one that covers them all.</summary>
    public static IReadOnlyList<string> Known { get; } = [Text, Voice, Face, All];

    /// <summary>
    /// A note for a scope none of Twinforge's data asks for ("txt"): accepted, as new media need no schema change, but
    /// most likely a slip, and consent for it covers none of the creator's text or recordings. Null for a known scope.
    /// </summary>
    public static string? UnknownScopeNote(string scope) => Known.Contains(scope) ? null
        : $"'{scope}' is not a scope Twinforge's data asks for ({string.Join(", ", Known)}): consent for it covers none of their text or recordings";

    /// <summary>Checks a scope name at the boundary: lowercase letters, digits and '-', 1 to 32 characters.</summary>
    public static string Validate(string scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Length is 0 or > 32 || !scope.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            throw new InvalidValueException(
                $"consent scope '{scope}' is not valid: use lowercase letters, digits and '-' (e.g. '{Text}', '{Voice}', '{Face}', '{All}')");
        return scope;
    }
}
