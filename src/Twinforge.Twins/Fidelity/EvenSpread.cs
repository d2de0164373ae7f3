namespace Twinforge.Twins.Fidelity;

/// <summary>Bounds the work on long lists without favouring their start: items taken at even intervals.</summary>
public static class EvenSpread
{
    /// <summary>At most <paramref name="most"/> items, evenly spread over the list (all of them when there are fewer).</summary>
    public static IReadOnlyList<T> Of<T>(IReadOnlyList<T> items, int most) =>
        items.Count <= most ? items : Enumerable.Range(0, most).Select(i => items[(int)((long)i * items.Count / most)]).ToList();
}
