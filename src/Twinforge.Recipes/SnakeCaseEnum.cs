using System.Text;

namespace Twinforge.Recipes;

/// <summary>
/// Enum values as recipes spell them: snake_case when written (<c>FromScratch</c> → <c>from_scratch</c>,
/// <c>BFloat16Mixed</c> → <c>bfloat16_mixed</c>), and read ignoring case, underscores and hyphens.
/// </summary>
internal static class SnakeCaseEnum
{
    public static string Name(Enum value)
    {
        var name = value.ToString();
        var snake = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            // A word starts at a capital that follows a lower-case letter or a digit.
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }

    public static IEnumerable<string> Names<TEnum>() where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(value => Name(value));

    /// <summary>Matches names only: unlike <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/>, "1" is not a value.</summary>
    public static bool TryParse<TEnum>(string text, out TEnum value) where TEnum : struct, Enum
    {
        static string Fold(string name) => name.Replace("_", "").Replace("-", "").ToLowerInvariant();
        var folded = Fold(text.Trim());
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Fold(candidate.ToString()) != folded) continue;
            value = candidate;
            return true;
        }
        value = default;
        return false;
    }
}
