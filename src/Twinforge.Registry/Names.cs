using System.Text.Json;
using Twinforge.Registry.Errors;

namespace Twinforge.Registry;

/// <summary>
/// Boundary checks for what callers pass in, so that a bad value fails with a message naming it. Names and identifiers
/// come from users (a creator's or twin's name, an alias, who acts), so they fail with
/// <see cref="InvalidValueException"/>; JSON is made by code, so a bad one is an <see cref="ArgumentException"/>.
/// </summary>
internal static class Names
{
    /// <summary>A display name (creator, twin, base model): 1–200 characters, no surrounding spaces, no control characters.</summary>
    public static string RequireName(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new InvalidValueException($"{what} must not be empty");
        if (name.Length > 200 || name != name.Trim() || name.Any(char.IsControl))
            throw new InvalidValueException($"{what} '{name}' is not valid: use 1 to 200 characters, no leading or trailing spaces and no control characters");
        return name;
    }

    /// <summary>An identifier (alias, role, artifact kind): lowercase letters, digits, '-', '_' and '.', 1–64 characters.</summary>
    public static string RequireIdentifier(string? identifier, string what)
    {
        if (identifier is not { Length: > 0 and <= 64 }
            || !identifier.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
            throw new InvalidValueException($"{what} '{identifier}' is not valid: use 1 to 64 lowercase letters, digits, '-', '_' or '.'");
        return identifier;
    }

    public static string RequireText(string? text, string what) =>
        string.IsNullOrWhiteSpace(text) ? throw new InvalidValueException($"{what} must not be empty") : text;

    /// <summary>Checks that <paramref name="json"/> is one well-formed JSON object and returns it unchanged.</summary>
    public static string RequireJsonObject(string? json, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(json ?? "");
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"{what} must be a JSON object, not {document.RootElement.ValueKind}");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{what} is not valid JSON: {e.Message}", e);
        }
        return json!;
    }
}
