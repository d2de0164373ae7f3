using Hangfire.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Twinforge.Service.Jobs;

/// <summary>
/// Hangfire's log output, into the hosts' own logging. Hangfire keeps its log provider process-wide (its design, not
/// ours), and its ASP.NET Core provider holds one host's logger factory, which breaks every later storage once that
/// host is disposed (tests start and stop many hosts in one process). This provider writes each entry to the newest
/// host still running, or nowhere, and never to a disposed factory.
/// </summary>
public sealed class HangfireLogs : ILogProvider
{
    public static HangfireLogs Instance { get; } = new();

    static readonly List<ILoggerFactory> Running = [];

    HangfireLogs()
    {
    }

    /// <summary>Sends Hangfire's entries to <paramref name="factory"/> until the returned handle is disposed (the host stops).</summary>
    public static IDisposable Attach(ILoggerFactory factory)
    {
        lock (Running) Running.Add(factory);
        return new Detach(factory);
    }

    public ILog GetLogger(string name) => new NamedLog(name);

    sealed class NamedLog(string name) : ILog
    {
        public bool Log(HangfireLevel logLevel, Func<string> messageFunc, Exception? exception = null)
        {
            ILoggerFactory? factory;
            lock (Running) factory = Running.Count > 0 ? Running[^1] : null;
            if (factory is null) return false;
            try
            {
                var logger = factory.CreateLogger(name);
                var level = Level(name, logLevel);
                if (!logger.IsEnabled(level)) return false;
                if (messageFunc is null) return true; // asked whether the level is on
                logger.Log(level, 0, OneLine(messageFunc()), exception, static (text, _) => text);
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Hangfire's level, except that its housekeeping (expiring old records, aggregating counters, a dozen lines each
    /// run) reports its routine work at Debug: at Information it buried the service's own lines.
    /// </summary>
    public static MsLogLevel Level(string category, HangfireLevel level) => level switch
    {
        HangfireLevel.Trace => MsLogLevel.Trace,
        HangfireLevel.Debug => MsLogLevel.Debug,
        HangfireLevel.Info when category.EndsWith(".ExpirationManager", StringComparison.Ordinal)
                                || category.EndsWith(".CountersAggregator", StringComparison.Ordinal) => MsLogLevel.Debug,
        HangfireLevel.Info => MsLogLevel.Information,
        HangfireLevel.Warn => MsLogLevel.Warning,
        HangfireLevel.Error => MsLogLevel.Error,
        _ => MsLogLevel.Critical,
    };

    /// <summary>
    /// A message on one line: Hangfire writes some over several, with Windows line ends ("options:\r\n    Worker
    /// count: 1\r\n    …"), which a JSON log shows as escapes and a line-based one splits; here "options: Worker
    /// count: 1; …".
    /// </summary>
    public static string OneLine(string message)
    {
        var lines = message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length <= 1) return lines.Length == 1 ? lines[0] : message;
        return lines[0] + (lines[0].EndsWith(':') ? " " : "; ") + string.Join("; ", lines[1..]);
    }

    sealed class Detach(ILoggerFactory? factory) : IDisposable
    {
        public void Dispose()
        {
            if (factory is null) return;
            lock (Running) Running.Remove(factory);
        }
    }
}
