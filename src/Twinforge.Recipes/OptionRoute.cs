using System.Reflection;

namespace Twinforge.Recipes;

/// <summary>
/// Where an engine option lives inside <see cref="Twinforge.Engine.Training.FineTuningOptions"/>: the chain of
/// properties from it to the option (<c>Training</c>, <c>Epochs</c>). Reads the option, and sets it by copying each
/// record on the way, so recipes stay immutable values.
/// </summary>
internal sealed class OptionRoute(IReadOnlyList<PropertyInfo> properties)
{
    public IReadOnlyList<PropertyInfo> Properties => properties;

    public object? Get(object options)
    {
        object? current = options;
        for (int depth = 0; depth < properties.Count; depth++)
        {
            current = properties[depth].GetValue(current);
            if (current is null && depth < properties.Count - 1) current = DefaultOf(properties[depth].PropertyType);
        }
        return current;
    }

    public object Set(object options, object? value) => Set(options, 0, value);

    object Set(object owner, int depth, object? value)
    {
        var property = properties[depth];
        var newValue = depth == properties.Count - 1
            ? value
            : Set(property.GetValue(owner) ?? DefaultOf(property.PropertyType), depth + 1, value);
        var copy = CopyOf(owner);
        property.SetValue(copy, newValue);
        return copy;
    }

    /// <summary>
    /// A copy of a record, as <c>with</c> makes it: through the compiler's clone method, the one member every record
    /// has for exactly this (a record's copy constructor is protected, and a memberwise copy would skip its logic).
    /// </summary>
    static object CopyOf(object record) =>
        record.GetType().GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance)?.Invoke(record, null)
        ?? throw new InvalidOperationException($"{record.GetType().Name} is not a record: recipe options must be records");

    /// <summary>An option record left null (FineTuningOptions.Lora: the defaults) as constructed with no settings.</summary>
    static object DefaultOf(Type type) => Activator.CreateInstance(type)
        ?? throw new InvalidOperationException($"{type.Name} cannot be constructed with no settings");
}
