using Twinforge.Engine.Generation;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>The decoding step's fork–join team: every part runs once per piece, on distinct threads, after sleeping too.</summary>
public sealed class CoreTeamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_part_runs_exactly_once_per_piece_and_the_caller_takes_part_zero(int size)
    {
        using var team = new CoreTeam(size);
        int caller = Environment.CurrentManagedThreadId;
        for (int piece = 0; piece < 200; piece++)
        {
            var runs = new int[size];
            var threads = new int[size];
            team.Run((part, parts) =>
            {
                Assert.Equal(size, parts);
                Interlocked.Increment(ref runs[part]);
                threads[part] = Environment.CurrentManagedThreadId;
            });
            Assert.All(runs, count => Assert.Equal(1, count));
            Assert.Equal(caller, threads[0]);
            Assert.Equal(size, threads.Distinct().Count());
        }
    }

    [Fact]
    public void Workers_that_went_to_sleep_wake_for_the_next_piece()
    {
        using var team = new CoreTeam(2);
        for (int round = 0; round < 3; round++)
        {
            Thread.Sleep(20); // far past the spin time: the worker sleeps
            int sum = 0;
            team.Run((part, _) => Interlocked.Add(ref sum, part + 1));
            Assert.Equal(3, sum);
        }
    }

    [Fact]
    public void A_failing_part_is_reported_to_the_caller_and_the_team_keeps_working()
    {
        using var team = new CoreTeam(2);
        var error = Assert.Throws<AggregateException>(() => team.Run((part, _) =>
        {
            if (part == 1) throw new InvalidOperationException("part one failed");
        }));
        Assert.Contains("part one failed", error.InnerException!.Message);
        int runs = 0;
        team.Run((_, _) => Interlocked.Increment(ref runs));
        Assert.Equal(2, runs);
    }

    [Fact]
    public void A_disposed_team_refuses_work()
    {
        var team = new CoreTeam(2);
        team.Dispose();
        Assert.Throws<ObjectDisposedException>(() => team.Run((_, _) => { }));
    }
}
