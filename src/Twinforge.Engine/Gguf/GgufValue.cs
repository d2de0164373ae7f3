namespace Twinforge.Engine.Gguf;

/// <summary>
/// One GGUF metadata value: a scalar of <see cref="Type"/>, or an array of <see cref="ElementType"/> whose
/// <see cref="Value"/> is a <c>T[]</c> (string[], int[], float[] …). Arrays of arrays are not used by llama.cpp's keys
/// and not supported.
/// </summary>
/// <example><code>writer.Add("llama.block_count", GgufValue.UInt32(2));</code></example>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType? ElementType = null)
{
    public static GgufValue String(string value) => new(GgufValueType.String, value);
    public static GgufValue UInt32(uint value) => new(GgufValueType.UInt32, value);
    public static GgufValue Int32(int value) => new(GgufValueType.Int32, value);
    public static GgufValue UInt64(ulong value) => new(GgufValueType.UInt64, value);
    public static GgufValue Float32(float value) => new(GgufValueType.Float32, value);
    public static GgufValue Bool(bool value) => new(GgufValueType.Bool, value);
    public static GgufValue Strings(IReadOnlyList<string> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.String);
    public static GgufValue Int32s(IReadOnlyList<int> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.Int32);
    public static GgufValue Float32s(IReadOnlyList<float> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.Float32);

    /// <summary>The value as a string (a String value).</summary>
    public string AsString() => Value as string ?? throw new InvalidCastException($"a {Type} value, not a string");

    /// <summary>An integer value of any width, widened.</summary>
    public long AsInteger() => Value switch
    {
        byte v => v, sbyte v => v, ushort v => v, short v => v, uint v => v, int v => v, ulong v => checked((long)v), long v => v,
        _ => throw new InvalidCastException($"a {Type} value, not an integer"),
    };

    /// <summary>A floating-point value, widened.</summary>
    public double AsFloat() => Value switch
    {
        float v => v, double v => v,
        _ => throw new InvalidCastException($"a {Type} value, not a floating-point number"),
    };

    /// <summary>The elements of an array value.</summary>
    public T[] AsArray<T>() => Value as T[] ?? throw new InvalidCastException($"a {Type} value of {ElementType}, not an array of {typeof(T).Name}");
}
