namespace Twinforge.Service.Hosting;

/// <summary>The hosted API's list envelope: <c>{"object":"list","data":[…],"first_id","last_id","has_more"}</c>.</summary>
public static class Lists
{
    public static ListObject<T> Of<T>(IReadOnlyList<T> items, Func<T, string> id) =>
        new(items, items.Count > 0 ? id(items[0]) : null, items.Count > 0 ? id(items[^1]) : null, HasMore: false);
}

public sealed record ListObject<T>(IReadOnlyList<T> Data, string? FirstId, string? LastId, bool HasMore)
{
    public string Object => "list";
}
