using System.Formats.Tar;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Creators;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Twins;

namespace Twinforge.Service.Files;

/// <summary>
/// <c>/v1/files</c> in the hosted API's shape: upload (multipart), list, get, content, delete. An upload is checked
/// as <c>twinforge data validate</c> checks data (<see cref="DataValidation"/>) and refused with every problem by line;
/// then it becomes a dataset of a creator of the organisation with valid text consent (<see cref="CreatorData"/>),
/// so withdrawing that consent deletes it. Which creator: the form's <c>creator</c> field (Twinforge's), else the
/// key's default creator — what an SDK that sends only <c>file</c> and <c>purpose</c> relies on.
/// </summary>
public static class FileEndpoints
{
    public const string FineTune = "fine-tune";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var files = endpoints.MapGroup("/v1/files").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Files");

        files.MapPost("", Upload).DisableAntiforgery();

        files.MapGet("", (Caller caller, ServiceStorage storage, string? purpose, int? limit, string? after, string? order) =>
        {
            if (limit is < 1 or > 10_000) throw ApiException.BadRequest("'limit' must be between 1 and 10000.", "limit", "invalid_value");
            if (order is not (null or "asc" or "desc")) throw ApiException.BadRequest("'order' is 'asc' or 'desc'.", "order", "invalid_value");
            IEnumerable<UploadedFile> listed = storage.Registry.ListFiles(caller.OrganisationId, purpose);
            if (order == "asc") listed = listed.Reverse();
            var all = listed.ToList();
            if (after is not null)
            {
                // A cursor that names none of the files (another organisation's, or deleted since) is not the list's end.
                var cursor = all.FindIndex(file => file.PublicId == after);
                if (cursor < 0) throw ApiException.NotFound("File", after, "after");
                all = all[(cursor + 1)..];
            }
            var page = all.Take(limit ?? 10_000).ToList();
            var creators = CreatorIds(storage, caller);
            var data = page.Select(file => FileObject.From(file, creators[file.CreatorId])).ToList();
            return Lists.Of(data, f => f.Id) with { HasMore = all.Count > page.Count };
        });

        files.MapGet("/{fileId}", (string fileId, Caller caller, ServiceStorage storage) =>
        {
            var file = Find(storage, caller, fileId);
            return FileObject.From(file, CreatorIds(storage, caller)[file.CreatorId]);
        });

        files.MapGet("/{fileId}/content", (string fileId, Caller caller, ServiceStorage storage, HttpContext context) =>
        {
            var file = Find(storage, caller, fileId);
            var stored = storage.Registry.GetDataset(file.DatasetId).StoredArtifactHash ?? throw ApiException.NotFound("File content", fileId);
            // The dataset's stored copy is a one-file archive of the normalised upload; read it verified, straight from the store.
            var archive = new RecordedArtifacts(storage.Registry, storage.Store).OpenRead(stored);
            context.Response.RegisterForDisposeAsync(archive); // also when the client leaves before the body is written
            return Results.Stream(async body =>
            {
                await using (archive)
                await using (var tar = new TarReader(archive))
                {
                    var entry = await tar.GetNextEntryAsync() ?? throw new InvalidDataException($"the stored copy {stored} of {file.PublicId} is empty");
                    await entry.DataStream!.CopyToAsync(body);
                }
            }, "application/octet-stream", file.Filename);
        });

        files.MapDelete("/{fileId}", (string fileId, Caller caller, ServiceStorage storage) =>
        {
            if (!PublicIds.IsValid(PublicIds.File, fileId)) throw ApiException.NotFound("File", fileId);
            var deleted = storage.Registry.DeleteFile(caller.OrganisationId, fileId, caller.Actor, storage.Store) ?? throw ApiException.NotFound("File", fileId);
            return new FileDeletedObject(deleted.File.PublicId, "file", true);
        });
    }

    static async Task<IResult> Upload(HttpRequest request, Caller caller, ServiceStorage storage, IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        using var upload = await FileUpload.ReadAsync(request, storage.UploadsDirectory, options.Value.MaxUploadBytes, cancellationToken);
        if (upload.Filename is null) throw ApiException.BadRequest("The form has no 'file' part.", "file", "missing_required_parameter");
        var filename = Filename(upload.Filename);
        var purpose = upload.Fields.GetValueOrDefault("purpose");
        if (purpose is null) throw ApiException.BadRequest("'purpose' is required.", "purpose", "missing_required_parameter");
        if (purpose != FineTune) throw ApiException.BadRequest($"'{purpose}' is not a purpose this service accepts: use '{FineTune}'.", "purpose", "invalid_value");

        var creator = Creator(storage, caller, upload.Fields.GetValueOrDefault("creator"));
        if (!storage.Registry.HasValidConsent(creator.Id, ConsentScopes.Text))
            throw ConsentRequired(creator);

        // Nothing is held out of an upload: whether and how much is the job's choice (a validation file, or its
        // validation fraction, 0 included), so a file of one conversation is as uploadable as the API's own.
        var report = DataValidation.Prepare([upload.ContentPath], options: DataValidation.DefaultOptions with { ValidationFraction = 0 }).Report;
        var problems = report.Problems.Select(problem => ProblemObject.From(problem, upload.ContentPath, filename)).ToList();
        if (!report.IsValid)
        {
            var errors = problems.Where(problem => problem.Severity == "error").ToList();
            throw new ApiException(StatusCodes.Status400BadRequest,
                $"{filename} is not valid training data ({errors.Count} {(errors.Count == 1 ? "error" : "errors")}):\n" + string.Join("\n", problems.Select(p => p.Text)),
                param: "file", code: "invalid_file")
            {
                Detail = new { problems },
            };
        }

        Dataset dataset;
        try
        {
            dataset = new CreatorData(storage.Registry, storage.Store).Register(creator.Id, [upload.ContentPath], ConsentScopes.Text, [filename]);
        }
        catch (ConsentRequiredException)
        {
            throw ConsentRequired(creator); // withdrawn meanwhile
        }
        catch (DuplicateEntityException)
        {
            // Only another creator of this organisation can hold it (organisations never see each other's content,
            // nor learn from a refusal that it exists); the registry names them by public id, which the caller knows.
            throw new ApiException(StatusCodes.Status409Conflict,
                "This exact content is already registered as the data of another of your organisation's creators; a dataset belongs to one creator.",
                ApiErrorTypes.Conflict, "file", "content_of_another_creator");
        }
        var file = storage.Registry.RecordFile(new NewUploadedFile(PublicIds.New(PublicIds.File), caller.OrganisationId, dataset.Id, filename,
            StoredBytes(dataset, upload.Bytes), FineTune));
        var warnings = problems.Where(problem => problem.Severity == "warning").ToList();
        return Results.Json(FileObject.From(file, creator.Name, warnings.Count > 0 ? warnings : null));
    }

    /// <summary>The form's creator, else the key's default one; either way one of the caller's organisation.</summary>
    static Creator Creator(ServiceStorage storage, Caller caller, string? named)
    {
        if (named is not null) return CreatorEndpoints.Find(storage, caller, named, "creator");
        if (caller.DefaultCreatorId is { } id && storage.Registry.FindOrganisationCreator(caller.OrganisationId, id) is { } creator) return creator;
        throw ApiException.BadRequest(
            "Name the creator whose data this is: a 'creator' form field (\"creator-…\"), or upload with a key that has a default creator.",
            "creator", "missing_required_parameter");
    }

    static ApiException ConsentRequired(Creator creator) =>
        ApiException.BadRequest($"Creator {creator.Name} has no valid consent for text: record it (POST /v1/creators/{creator.Name}/consents) before uploading their data.",
            "creator", "consent_required");

    /// <summary>The name sent, without any directory a client put in it (some send the path they read from).</summary>
    static string Filename(string sent)
    {
        var name = sent[(sent.LastIndexOfAny(['/', '\\']) + 1)..].Trim();
        if (name.Length is 0 or > 200 || name.Any(char.IsControl))
            throw ApiException.BadRequest("The file's name must have 1 to 200 characters and no control characters.", "file", "invalid_filename");
        return name;
    }

    /// <summary>The size of the stored, normalised copy (what /content returns), from the dataset's statistics.</summary>
    static long StoredBytes(Dataset dataset, long sent)
    {
        using var statistics = JsonDocument.Parse(dataset.StatisticsJson);
        return statistics.RootElement.TryGetProperty("bytes", out var bytes) && bytes.TryGetInt64(out var value) ? value : sent;
    }

    static UploadedFile Find(ServiceStorage storage, Caller caller, string fileId) =>
        (PublicIds.IsValid(PublicIds.File, fileId) ? storage.Registry.FindFile(caller.OrganisationId, fileId) : null)
        ?? throw ApiException.NotFound("File", fileId);

    static Dictionary<long, string> CreatorIds(ServiceStorage storage, Caller caller) =>
        storage.Registry.ListOrganisationCreators(caller.OrganisationId).ToDictionary(creator => creator.Id, creator => creator.Name);
}
