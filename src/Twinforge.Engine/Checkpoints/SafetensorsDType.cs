using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// The safetensors dtype names Twinforge reads and writes, and the TorchSharp types they map to. The spec lists more
/// (U16, U32, U64, F8_E4M3, F8_E5M2…); TorchSharp has no tensor type for those, so they are rejected by name.
/// </summary>
public static class SafetensorsDType
{
    // One row per dtype: the name in the header, the TorchSharp type, the bytes per element.
    static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>The header names this reader accepts, e.g. for an error message.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = Table.Select(row => row.Name).ToArray();

    /// <summary>Maps a header dtype name (case-sensitive, as the spec writes it) to a TorchSharp type.</summary>
    public static bool TryGetScalarType(string name, out ScalarType type)
    {
        foreach (var row in Table)
        {
            if (row.Name != name) continue;
            type = row.Type;
            return true;
        }
        type = default;
        return false;
    }

    /// <summary>True for the TorchSharp types a safetensors file can hold.</summary>
    public static bool IsSupported(ScalarType type) => Table.Any(row => row.Type == type);

    /// <summary>The header name of <paramref name="type"/>, e.g. <c>BF16</c> for <see cref="ScalarType.BFloat16"/>.</summary>
    public static string NameFor(ScalarType type) => Row(type).Name;

    /// <summary>Bytes per element of <paramref name="type"/>.</summary>
    public static int ElementSize(ScalarType type) => Row(type).Size;

    static (string Name, ScalarType Type, int Size) Row(ScalarType type)
    {
        foreach (var row in Table)
            if (row.Type == type) return row;
        throw new ArgumentException(
            $"{type} tensors cannot be stored in safetensors here (supported: {string.Join(", ", Table.Select(r => r.Type))})",
            nameof(type));
    }
}
