using System.Globalization;
using Twinforge.Hub;

namespace Twinforge.Recipes;

/// <summary>The value types recipe keys use. Numbers and booleans must be unquoted; text may be either.</summary>
internal static class RecipeValueTypes
{
    delegate bool TryParse<T>(string text, out T value);

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static readonly RecipeValueType<int> Integer = Plain<int>("an integer",
        (string text, out int value) => int.TryParse(text, NumberStyles.AllowLeadingSign, Invariant, out value),
        value => value.ToString(Invariant));

    public static readonly RecipeValueType<long> LongInteger = Plain<long>("an integer",
        (string text, out long value) => long.TryParse(text, NumberStyles.AllowLeadingSign, Invariant, out value),
        value => value.ToString(Invariant));

    public static readonly RecipeValueType<double> Number = Plain<double>("a number",
        (string text, out double value) => double.TryParse(text, NumberStyles.Float, Invariant, out value) && double.IsFinite(value),
        // "R" round-trips exactly, so a written recipe reads back equal.
        value => value.ToString("R", Invariant));

    public static readonly RecipeValueType<bool> Flag = Plain<bool>("true or false",
        (string text, out bool value) => bool.TryParse(text, out value),
        value => value ? "true" : "false");

    public static readonly RecipeValueType<int?> OptionalInteger = Optional(Integer);
    public static readonly RecipeValueType<double?> OptionalNumber = Optional(Number);

    public static readonly RecipeValueType<string?> OptionalText = Text(nullable: true);

    public static readonly RecipeValueType<EquatableList<string>> TextList = List("a list of strings", Text(nullable: false));

    /// <summary>A file or directory; a relative path is resolved (against the recipe's directory, when read from one).</summary>
    public static readonly RecipeValueType<string?> OptionalPath = Path(nullable: true, allowsBuiltIn: false);

    public static readonly RecipeValueType<EquatableList<string>> PathList = List("a list of paths", Path(nullable: false, allowsBuiltIn: false));

    /// <summary>A model directory or <see cref="Recipe.BuiltInBase"/>, which is kept as it is.</summary>
    public static readonly RecipeValueType<string?> BaseModel = Path(nullable: true, allowsBuiltIn: true);

    public static RecipeValueType<TEnum> Enum<TEnum>() where TEnum : struct, Enum
    {
        var expected = $"one of {string.Join(", ", SnakeCaseEnum.Names<TEnum>())}";
        return new(expected, isList: false,
            (node, _) => node is RecipeScalar { IsNull: false } scalar && SnakeCaseEnum.TryParse<TEnum>(scalar.Text, out var value)
                ? value
                : throw Mismatch(expected, node),
            value => new RecipeScalar(SnakeCaseEnum.Name(value), IsQuoted: false));
    }

    static RecipeValueType<T> Plain<T>(string expected, TryParse<T> parse, Func<T, string> format) => new(expected, isList: false,
        (node, _) => node is RecipeScalar { IsQuoted: false, IsNull: false } scalar && parse(scalar.Text.Trim(), out var value)
            ? value
            : throw Mismatch(expected, node),
        value => new RecipeScalar(format(value), IsQuoted: false));

    static RecipeValueType<T?> Optional<T>(RecipeValueType<T> inner) where T : struct => new($"{inner.Expected} or null", isList: false,
        (node, resolvePath) => node is RecipeScalar { IsNull: true } ? null : inner.Read(node, resolvePath),
        value => value is { } present ? inner.Write(present) : RecipeScalar.Null);

    static RecipeValueType<string?> Text(bool nullable)
    {
        var expected = nullable ? "a string or null" : "a string";
        return new(expected, isList: false,
            (node, _) => node switch
            {
                RecipeScalar { IsNull: true } when nullable => null,
                RecipeScalar { IsNull: false } scalar => scalar.Text,
                _ => throw Mismatch(expected, node),
            },
            // Always quoted, so that text such as "null" or "3" reads back as text.
            value => value is null ? RecipeScalar.Null : new RecipeScalar(value, IsQuoted: true));
    }

    static RecipeValueType<string?> Path(bool nullable, bool allowsBuiltIn)
    {
        var expected = (allowsBuiltIn ? $"a path, \"{Recipe.BuiltInBase}\" or hf:ORG/NAME[@REVISION]" : "a path") + (nullable ? " or null" : "");
        return new(expected, isList: false,
            (node, resolvePath) => node switch
            {
                RecipeScalar { IsNull: true } when nullable => null,
                RecipeScalar { IsNull: false } scalar when scalar.Text.Trim().Length > 0 && allowsBuiltIn && HubModelReference.IsHubReference(scalar.Text.Trim()) =>
                    HubBase(scalar),
                RecipeScalar { IsNull: false } scalar when scalar.Text.Trim().Length > 0 =>
                    allowsBuiltIn && scalar.Text.Trim().Equals(Recipe.BuiltInBase, StringComparison.OrdinalIgnoreCase)
                        ? Recipe.BuiltInBase
                        : resolvePath(scalar.Text.Trim()),
                _ => throw Mismatch(expected, node),
            },
            value => value is null ? RecipeScalar.Null : new RecipeScalar(value, IsQuoted: true));
    }

    /// <summary>A Hub model (<c>hf:ORG/NAME[@REVISION]</c>), kept as written once its form is checked: it is no path.</summary>
    static string HubBase(RecipeScalar scalar)
    {
        try
        {
            return HubModelReference.Parse(scalar.Text.Trim()).ToString();
        }
        catch (HubException e)
        {
            throw new RecipeValueException(e.Message, scalar.Line);
        }
    }

    /// <summary>A list of <paramref name="item"/>s; a single value stands for a list of one, as in <c>data: alice.jsonl</c>.</summary>
    static RecipeValueType<EquatableList<string>> List(string expected, RecipeValueType<string?> item) => new(expected, isList: true,
        (node, resolvePath) => node switch
        {
            RecipeScalar { IsNull: true } => [],
            RecipeScalar scalar => [item.Read(scalar, resolvePath)!],
            RecipeSequence sequence => new EquatableList<string>(sequence.Items.Select(element => item.Read(element, resolvePath)!)),
            _ => throw Mismatch(expected, node),
        },
        value => new RecipeSequence(value.Select(element => item.Write(element)).ToList()));

    static RecipeValueException Mismatch(string expected, RecipeNode node) => new($"expected {expected}, found {Describe(node)}", node.Line);

    static string Describe(RecipeNode node) => node switch
    {
        RecipeScalar { IsNull: true } => "nothing (null)",
        RecipeScalar { IsQuoted: true } scalar => $"the string \"{scalar.Text}\"",
        RecipeScalar scalar => $"'{scalar.Text}'",
        RecipeSequence => "a list",
        _ => "a mapping",
    };
}
