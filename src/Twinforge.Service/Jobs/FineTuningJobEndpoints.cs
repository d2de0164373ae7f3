using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Twinforge.Registry.Errors;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Jobs;

/// <summary>
/// <c>/v1/fine_tuning/jobs</c> in the hosted API's shape: create, list (newest first, <c>after</c>/<c>limit</c>,
/// <c>has_more</c>), get, cancel, events (newest first and paged, or live as server-sent events with
/// <c>?stream=true</c>, oldest first, ending when the job ends) and checkpoints. Every job is the caller's
/// organisation's: another's id reads as unknown (404).
/// </summary>
public static class FineTuningJobEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var jobs = endpoints.MapGroup("/v1/fine_tuning/jobs").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Fine-tuning");

        jobs.MapPost("", (CreateFineTuningJobRequest request, Caller caller, FineTuningJobs service) =>
            FineTuningJobObject.From(service.Create(caller, request)));

        jobs.MapGet("", (Caller caller, ServiceStorage storage, string? after, int? limit) =>
        {
            var size = Limit(limit, 20);
            var page = After("FineTuningJob", PublicIds.FineTuningJob, after, () => storage.Registry.ListJobs(caller.OrganisationId, after, size + 1));
            return Page(page.Take(size).Select(FineTuningJobObject.From).ToList(), page.Count > size, job => job.Id);
        });

        jobs.MapGet("/{jobId}", (string jobId, Caller caller, FineTuningJobs service) => FineTuningJobObject.From(service.Find(caller, jobId)));

        jobs.MapPost("/{jobId}/cancel", (string jobId, Caller caller, FineTuningJobs service) => FineTuningJobObject.From(service.Cancel(caller, jobId)));

        jobs.MapGet("/{jobId}/events", async (string jobId, Caller caller, FineTuningJobs service, ServiceStorage storage, HttpContext context,
            string? after, int? limit, bool? stream) =>
        {
            var job = service.Find(caller, jobId);
            if (stream == true)
            {
                await Stream(context, storage, caller, job.Id, job.PublicId);
                return Results.Empty;
            }
            var size = Limit(limit, 20);
            var page = After("FineTuningJobEvent", PublicIds.JobEvent, after, () => storage.Registry.ListJobEvents(caller.OrganisationId, job.Id, after, size + 1));
            return Results.Json(Page(page.Take(size).Select(JobEventObject.From).ToList(), page.Count > size, e => e.Id),
                context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        });

        jobs.MapGet("/{jobId}/checkpoints", (string jobId, Caller caller, FineTuningJobs service, ServiceStorage storage, string? after, int? limit) =>
        {
            var job = service.Find(caller, jobId);
            var size = Limit(limit, 10);
            var page = After("FineTuningJobCheckpoint", PublicIds.JobCheckpoint, after, () => storage.Registry.ListJobCheckpoints(caller.OrganisationId, job.Id, after, size + 1));
            return Page(page.Take(size).Select(checkpoint => JobCheckpointObject.From(checkpoint, job)).ToList(), page.Count > size, c => c.Id);
        });
    }

    /// <summary>
    /// The page after the cursor <paramref name="after"/>: a cursor of the wrong form, or one that names nothing in the
    /// list (another organisation's, or deleted since), is 404 naming <c>after</c>, not an empty page that would read as
    /// the list's end.
    /// </summary>
    static IReadOnlyList<T> After<T>(string objectName, string idPrefix, string? after, Func<IReadOnlyList<T>> page)
    {
        if (after is null) return page();
        if (!PublicIds.IsValid(idPrefix, after)) throw ApiException.NotFound(objectName, after, "after");
        try
        {
            return page();
        }
        catch (UnknownEntityException)
        {
            throw ApiException.NotFound(objectName, after, "after");
        }
    }

    /// <summary>
    /// The job's events as server-sent events, oldest first: those so far, then each as it is recorded, until the job
    /// has finished (then <c>data: [DONE]</c>), it is erased, or the client leaves.
    /// </summary>
    static async Task Stream(HttpContext context, ServiceStorage storage, Caller caller, long jobId, string jobPublicId)
    {
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var aborted = context.RequestAborted;
        long last = 0;
        async Task SendNew()
        {
            foreach (var jobEvent in storage.Registry.ListJobEventsSince(caller.OrganisationId, jobId, last))
            {
                await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(JobEventObject.From(jobEvent), json)}\n\n", aborted);
                last = jobEvent.Id;
            }
            await context.Response.Body.FlushAsync(aborted);
        }
        try
        {
            while (true)
            {
                // The status first: once it reads finished, every event recorded before the change is sent below.
                var job = storage.Registry.FindJob(caller.OrganisationId, jobPublicId);
                await SendNew();
                if (job is null || job.IsFinished) break;
                await Task.Delay(TimeSpan.FromMilliseconds(250), aborted);
            }
            // Events a worker records just after the status change (a last word) are not left behind.
            await Task.Delay(TimeSpan.FromMilliseconds(250), aborted);
            await SendNew();
            await context.Response.WriteAsync("data: [DONE]\n\n", aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left.
        }
    }

    static int Limit(int? limit, int fallback) => limit switch
    {
        null => fallback,
        < 1 or > 100 => throw ApiException.BadRequest("'limit' must be between 1 and 100.", "limit", "invalid_value"),
        var value => value.Value,
    };

    static ListObject<T> Page<T>(IReadOnlyList<T> items, bool hasMore, Func<T, string> id) => Lists.Of(items, id) with { HasMore = hasMore };
}
