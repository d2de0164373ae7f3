namespace Twinforge.Twins;

/// <summary>How version N+1 is trained from version N's situation (a twin recipe's <c>update_mode</c>).</summary>
public enum UpdateMode
{
    /// <summary>From version N's weights, on the new data, with a share of each batch replayed from the older data.</summary>
    Continue,

    /// <summary>From the base again, on all the data the twin has (the new and every older dataset, in full).</summary>
    Refit,
}
