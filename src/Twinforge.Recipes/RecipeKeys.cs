using System.Reflection;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using static Twinforge.Recipes.RecipeValueTypes;

namespace Twinforge.Recipes;

/// <summary>
/// The recipe schema: every key a recipe file or a command-line override may set, in the order a written recipe lists
/// them. The recipe's own keys (base, data, output) are listed here; every other key is read from the
/// <see cref="RecipeKeyAttribute"/> on the engine's option records, starting at <see cref="FineTuningOptions"/>, with
/// its type from the property's type. Loading, overriding, validating and writing all go through it.
/// </summary>
internal static class RecipeKeys
{
    /// <summary>The sections, in the order a written recipe lists them (after the top-level keys).</summary>
    public static IReadOnlyList<string> Sections => SectionOrder;

    static readonly string[] SectionOrder = ["lora", "freeze", "data_options", "training", "regularization", "early_stopping", "checkpoints"];

    /// <summary>Each engine option's key, by the record that declares it and the property's name.</summary>
    static readonly Dictionary<(Type Owner, string Property), RecipeKey> ByProperty = [];

    // After the two fields above, which building it uses.
    public static readonly IReadOnlyList<RecipeKey> All = Build();

    static readonly Dictionary<string, RecipeKey> ByPath = All.ToDictionary(key => key.Path);

    public static RecipeKey? Find(string path) => ByPath.GetValueOrDefault(path);

    public static bool IsSection(string path) => Sections.Contains(path);

    /// <summary>
    /// The key of an engine option (by the record it is checked on and its property name), or, for a property that
    /// holds a record of options all in one section (FineTuningOptions.Lora), that section; null otherwise.
    /// </summary>
    public static string? PathOf(Type owner, string property)
    {
        if (ByProperty.TryGetValue((owner, property), out var key)) return key.Path;
        if (owner.GetProperty(property) is not { } nested) return null;
        var sections = ByProperty.Where(entry => entry.Key.Owner == nested.PropertyType).Select(entry => entry.Value.Section).Distinct().ToList();
        return sections is [{ } only] ? only : null;
    }

    static List<RecipeKey> Build()
    {
        List<RecipeKey> own =
        [
            RecipeKey.Create("base", BaseModel, isPath: true, r => r.Base, (r, v) => r with { Base = v }),
            RecipeKey.Create("data", PathList, isPath: true, r => r.Data, (r, v) => r with { Data = v }),
            RecipeKey.Create("output", OptionalPath, isPath: true, r => r.Output, (r, v) => r with { Output = v }),
        ];
        var options = new List<RecipeKey>();
        foreach (var (owner, property, key) in OptionKeys(typeof(FineTuningOptions)))
        {
            ByProperty[(owner, property)] = key;
            options.Add(key);
        }
        if (options.FirstOrDefault(key => key.Section is { } section && !Sections.Contains(section)) is { } stray)
            throw new InvalidOperationException($"recipe key {stray.Path}: its section is not one of {string.Join(", ", Sections)}");
        if (own.Concat(options).GroupBy(key => key.Path).FirstOrDefault(group => group.Count() > 1) is { } repeated)
            throw new InvalidOperationException($"recipe key {repeated.Key} is declared twice");
        // Top-level keys first, then each section's together; within a section, the order the records declare them.
        return [.. own, .. options.OrderBy(key => key.Section is { } section ? Array.IndexOf(SectionOrder, section) : -1)];
    }

    /// <summary>
    /// The keys of the options record <paramref name="type"/> (the root of <see cref="Recipe.Options"/>): its keyed
    /// properties, and those of the option records it holds, each with the record it is on and its property name. Any
    /// other settable property is an error, so that an option added to the engine is a recipe key or deliberately not.
    /// </summary>
    internal static IEnumerable<(Type Owner, string Property, RecipeKey Key)> OptionKeys(Type type) => OptionKeys(type, []);

    static IEnumerable<(Type Owner, string Property, RecipeKey Key)> OptionKeys(Type type, IReadOnlyList<PropertyInfo> route)
    {
        foreach (var property in SettableProperties(type))
        {
            IReadOnlyList<PropertyInfo> propertyRoute = [.. route, property];
            if (property.GetCustomAttribute<RecipeKeyAttribute>() is { } attribute)
            {
                yield return (type, property.Name, OptionKey(attribute, property, new OptionRoute(propertyRoute)));
            }
            else if (property.IsDefined(typeof(NotInRecipesAttribute))) continue;
            else if (SettableProperties(property.PropertyType).Any(nested => nested.IsDefined(typeof(RecipeKeyAttribute))))
                foreach (var key in OptionKeys(property.PropertyType, propertyRoute)) yield return key;
            else
                throw new InvalidOperationException(
                    $"{type.Name}.{property.Name} is neither a recipe key ([RecipeKey]) nor marked [NotInRecipes]");
        }
    }

    /// <summary>Public settable properties, a base record's before its derived record's, each in declaration order.</summary>
    static IEnumerable<PropertyInfo> SettableProperties(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(property => property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0)
        .OrderBy(property => Depth(property.DeclaringType!))
        .ThenBy(property => property.MetadataToken);

    static int Depth(Type type) => type.BaseType is { } parent ? 1 + Depth(parent) : 0;

    static RecipeKey OptionKey(RecipeKeyAttribute attribute, PropertyInfo property, OptionRoute route) => new(
        attribute.Path, ValueTypeOf(property, attribute.IsPath), attribute.IsPath,
        recipe => route.Get(recipe.Options),
        (recipe, value) => recipe with { Options = (FineTuningOptions)route.Set(recipe.Options, value) });

    /// <summary>The recipe value type of an option, from its .NET type.</summary>
    static IRecipeValueType ValueTypeOf(PropertyInfo property, bool isPath)
    {
        var type = property.PropertyType;
        if (type == typeof(int)) return Integer;
        if (type == typeof(long)) return LongInteger;
        if (type == typeof(double)) return Number;
        if (type == typeof(bool)) return Flag;
        if (type == typeof(int?)) return OptionalInteger;
        if (type == typeof(double?)) return OptionalNumber;
        if (type == typeof(string)) return isPath ? OptionalPath : OptionalText;
        if (type.IsAssignableFrom(typeof(EquatableList<string>))) return isPath ? PathList : TextList;
        if (type.IsEnum)
            return (IRecipeValueType)typeof(RecipeValueTypes).GetMethod(nameof(RecipeValueTypes.Enum))!.MakeGenericMethod(type).Invoke(null, null)!;
        throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name}: no recipe value type for {type.Name}");
    }

    /// <summary>
    /// Why <paramref name="path"/> is not a key, with the nearest known key: a sibling within a few edits
    /// (<c>training.learnig_rate</c>), else a key of the same name in another section (<c>learning_rate</c> at the top).
    /// </summary>
    public static string DescribeUnknown(string path)
    {
        if (IsSection(path)) return $"'{path}' is a section: set one of its keys, e.g. '{All.First(key => key.Section == path).Path}'";
        var dot = path.LastIndexOf('.');
        var section = dot < 0 ? null : path[..dot];
        var name = path[(dot + 1)..];
        if (section is not null && !IsSection(section))
            return Nearest(section, Sections) is { } nearestSection
                ? $"unknown section '{section}'; did you mean '{nearestSection}'?"
                : $"unknown section '{section}'; the sections are {string.Join(", ", Sections)}";

        var siblings = All.Where(key => key.Section == section).Select(key => key.Name)
            .Concat(section is null ? Sections : []).ToList();
        var nearest = Nearest(name, siblings) is { } sibling
            ? (section is null ? sibling : $"{section}.{sibling}")
            : All.FirstOrDefault(key => key.Name == name)?.Path;
        return nearest is not null
            ? $"unknown key; did you mean '{nearest}'?"
            : $"unknown key; the keys here are {string.Join(", ", siblings)}";
    }

    /// <summary>The candidate a few edits from <paramref name="name"/> (a typo, not a different word), if any.</summary>
    static string? Nearest(string name, IEnumerable<string> candidates) => candidates
        .Select(candidate => (Candidate: candidate, Distance: EditDistance(name, candidate)))
        .Where(candidate => candidate.Distance <= Math.Max(2, name.Length / 4))
        .OrderBy(candidate => candidate.Distance)
        .Select(candidate => candidate.Candidate)
        .FirstOrDefault();

    /// <summary>Levenshtein distance, ignoring case.</summary>
    static int EditDistance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
