namespace Twinforge.Registry.Tests;

/// <summary>A clock that stands still unless moved, so recorded times can be asserted exactly.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
