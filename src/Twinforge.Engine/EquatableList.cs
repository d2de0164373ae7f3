using System.Collections;
using System.Runtime.CompilerServices;

namespace Twinforge.Engine;

/// <summary>
/// An immutable list that compares by content, so that records holding one (a recipe's data files, its LoRA targets)
/// keep value equality: a recipe written and read back equals the original.
/// </summary>
/// <example><code>EquatableList&lt;string&gt; targets = ["q_proj", "v_proj"];</code></example>
[CollectionBuilder(typeof(EquatableList), nameof(EquatableList.Create))]
public sealed class EquatableList<T> : IReadOnlyList<T>, IEquatable<EquatableList<T>>
{
    readonly T[] items;

    public EquatableList(IEnumerable<T> items) => this.items = items.ToArray();

    public int Count => items.Length;

    public T this[int index] => items[index];

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();

    public bool Equals(EquatableList<T>? other) => other is not null && items.SequenceEqual(other.items);

    public override bool Equals(object? obj) => Equals(obj as EquatableList<T>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in items) hash.Add(item);
        return hash.ToHashCode();
    }

    /// <summary>"[a, b]", so that a failed comparison shows the contents.</summary>
    public override string ToString() => $"[{string.Join(", ", items)}]";
}

/// <summary>Builds <see cref="EquatableList{T}"/> from collection expressions.</summary>
public static class EquatableList
{
    public static EquatableList<T> Create<T>(ReadOnlySpan<T> items) => new(items.ToArray());
}
