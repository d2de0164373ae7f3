namespace Twinforge.Engine.Tests.Tokenization;

/// <summary>A clock that always reads one instant, in UTC, for templates that write today's date.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
