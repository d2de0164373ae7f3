using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Twinforge.Service.Errors;

namespace Twinforge.Service.Files;

/// <summary>
/// One <c>multipart/form-data</c> upload (<c>file</c>, <c>purpose</c>, and Twinforge's optional <c>creator</c>),
/// streamed section by section: the file goes to <c>content</c> in a fresh directory of its own under the uploads
/// directory (the name sent is kept as data, never used as a path), counting bytes, and the upload is refused with
/// 413 as soon as it passes the limit — whatever the server in front enforces. Disposing removes the directory.
/// </summary>
public sealed class FileUpload : IDisposable
{
    /// <summary>Room for the form's other fields and part headers on top of the file itself.</summary>
    const long FormOverhead = 64 << 10;
    const int FieldLimit = 4 << 10;

    readonly string directory;

    FileUpload(string directory) => this.directory = directory;

    /// <summary>
    /// Where the file's bytes are, as sent: "content" with the sent name's extension when it is one the data check
    /// reads by (.jsonl, .json), else ".txt" (plain text, as the check reads any other extension).
    /// </summary>
    public string ContentPath { get; private set; } = "";

    /// <summary>The name the client gave the file, without any directory part.</summary>
    public string? Filename { get; private set; }

    public long Bytes { get; private set; }

    public IReadOnlyDictionary<string, string> Fields => fields;

    readonly Dictionary<string, string> fields = new(StringComparer.Ordinal);

    public static async Task<FileUpload> ReadAsync(HttpRequest request, string uploadsDirectory, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
            throw ApiException.BadRequest("An upload is multipart/form-data with the fields 'file' and 'purpose'.", "file", "invalid_content_type");
        if (request.ContentLength > maxFileBytes + FormOverhead) throw TooLarge(maxFileBytes);
        // Kestrel's own limit is sized for JSON bodies; this endpoint counts the file itself below.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxFileBytes + FormOverhead;

        var upload = new FileUpload(Directory.CreateDirectory(Path.Combine(uploadsDirectory, Guid.NewGuid().ToString("N"))).FullName);
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
            MultipartSection? section;
            while ((section = await ReadSection(reader, cancellationToken)) is not null)
            {
                // (IsFormDisposition means a field without a file name, so the type is compared instead.)
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition() && name == "file")
                {
                    upload.Filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var extension = Path.GetExtension(upload.Filename ?? "").ToLowerInvariant();
                    upload.ContentPath = Path.Combine(upload.directory, "content" + (extension is ".jsonl" or ".json" ? extension : ".txt"));
                    upload.Bytes = await CopyLimited(section.Body, upload.ContentPath, maxFileBytes, cancellationToken);
                }
                else if (disposition.IsFormDisposition())
                {
                    upload.fields[name] = await ReadField(section.Body, name, cancellationToken);
                }
            }
            return upload;
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    static async Task<MultipartSection?> ReadSection(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && e is not BadHttpRequestException)
        {
            throw ApiException.BadRequest($"The multipart body is malformed: {e.Message}", "file", "invalid_multipart");
        }
    }

    static async Task<long> CopyLimited(Stream source, string path, long maxBytes, CancellationToken cancellationToken)
    {
        await using var destination = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes) throw TooLarge(maxBytes);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        return total;
    }

    static async Task<string> ReadField(Stream body, string name, CancellationToken cancellationToken)
    {
        // leaveOpen: disposing a section's stream would end the reading of the sections after it.
        using var reader = new StreamReader(body, leaveOpen: true);
        var buffer = new char[FieldLimit + 1];
        var length = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        if (length > FieldLimit) throw ApiException.BadRequest($"The form field '{name}' is longer than {FieldLimit} characters.", name, "field_too_long");
        return new string(buffer, 0, length);
    }

    static ApiException TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The file is larger than this service accepts ({maxBytes:N0} bytes).", param: "file", code: "file_too_large");

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
