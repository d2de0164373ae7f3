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
