using Microsoft.Extensions.Logging;
using Twinforge.Service.Jobs;

namespace Twinforge.Service.Tests;

/// <summary>A job's log scope reads as words in a log line and carries the job's id as a structured field.</summary>
public sealed class JobLogScopeTests
{
    sealed class ScopeRecorder : ILogger
    {
        public List<object> Scopes { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            Scopes.Add(state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) { }
    }

    [Fact]
    public void The_scope_is_written_as_a_sentence_with_the_job_id_as_a_field()
    {
        var logger = new ScopeRecorder();

        JobEvents.Scope(logger, "ftjob-abc");

        var scope = Assert.Single(logger.Scopes);
        // What a JSON console log writes as the scope's "Message" (a dictionary gave its .NET type name).
        Assert.Equal("fine-tuning job ftjob-abc", scope.ToString());
        var fields = Assert.IsAssignableFrom<IEnumerable<KeyValuePair<string, object?>>>(scope);
        Assert.Contains(new KeyValuePair<string, object?>("JobId", "ftjob-abc"), fields);
    }
}
