using Microsoft.Extensions.Logging;
using Twinforge.Service.Jobs;
using HangfireLevel = Hangfire.Logging.LogLevel;

namespace Twinforge.Service.Tests;

/// <summary>Hangfire's entries as the service's log shows them: one line each, its housekeeping out of the way.</summary>
public sealed class HangfireLogsTests
{
    [Fact]
    public void A_message_over_several_lines_with_windows_line_ends_becomes_one_line()
    {
        var message = "Using the following options for Hangfire Server:\r\n    Worker count: 1\r\n    Listening queues: 'fine_tuning'\r\n";

        Assert.Equal("Using the following options for Hangfire Server: Worker count: 1; Listening queues: 'fine_tuning'", HangfireLogs.OneLine(message));
        Assert.Equal("first; second", HangfireLogs.OneLine("first\nsecond"));
        Assert.Equal("Server vm:1 successfully announced in 88 ms", HangfireLogs.OneLine("Server vm:1 successfully announced in 88 ms"));
    }

    [Fact]
    public void Housekeeping_reports_its_routine_at_debug_and_its_problems_as_they_are()
    {
        Assert.Equal(LogLevel.Debug, HangfireLogs.Level("Hangfire.Storage.SQLite.ExpirationManager", HangfireLevel.Info));
        Assert.Equal(LogLevel.Debug, HangfireLogs.Level("Hangfire.PostgreSql.ExpirationManager", HangfireLevel.Info));
        Assert.Equal(LogLevel.Debug, HangfireLogs.Level("Hangfire.Server.CountersAggregator", HangfireLevel.Info));
        Assert.Equal(LogLevel.Warning, HangfireLogs.Level("Hangfire.Storage.SQLite.ExpirationManager", HangfireLevel.Warn));
        Assert.Equal(LogLevel.Information, HangfireLogs.Level("Hangfire.BackgroundJobServer", HangfireLevel.Info));
        Assert.Equal(LogLevel.Error, HangfireLogs.Level("Hangfire.Server.Worker", HangfireLevel.Error));
    }
}
