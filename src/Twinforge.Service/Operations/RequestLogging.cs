using System.Diagnostics;

namespace Twinforge.Service.Operations;

/// <summary>
/// Every response carries <c>x-request-id</c> (the hosted APIs' header; ASP.NET Core's request id, which is also the
/// <c>RequestId</c> of every log entry's scope), and every request ends with one structured log entry: method, path,
/// status, milliseconds. Bodies and keys are never logged.
/// </summary>
public sealed class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["x-request-id"] = context.TraceIdentifier;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            logger.LogInformation("{Method} {Path} answered {Status} in {Milliseconds:F1} ms",
                context.Request.Method, context.Request.Path.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
