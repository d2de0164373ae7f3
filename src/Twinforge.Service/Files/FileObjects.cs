using Twinforge.Engine.Data;
using Twinforge.Registry.Records;

namespace Twinforge.Service.Files;

// The files API's shapes, as the hosted API and its SDKs read them; Twinforge's additions under "twinforge".

/// <summary>
/// A file: <c>{"id":"file-…","object":"file","bytes","created_at","filename","purpose",…}</c>. <c>bytes</c> is the size
/// of what <c>/content</c> returns: the file as stored, UTF-8 without a byte-order mark and with LF line ends.
/// </summary>
public sealed record FileObject(string Id, string Object, long Bytes, long CreatedAt, string Filename, string Purpose, string Status, string? StatusDetails,
    long? ExpiresAt, FileExtension Twinforge)
{
    public static FileObject From(UploadedFile file, string creatorId, IReadOnlyList<ProblemObject>? warnings = null) =>
        new(file.PublicId, "file", file.Bytes, file.CreatedAt.ToUnixTimeSeconds(), file.Filename, file.Purpose, "processed", null, null,
            new FileExtension(creatorId, warnings));
}

/// <summary>
/// Twinforge's part of a file: the creator whose dataset it is ("creator-…"), and, on upload only, the warnings of the
/// check (examples to be dropped, control characters), which do not refuse a file.
/// </summary>
public sealed record FileExtension(string Creator,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ProblemObject>? Warnings);

public sealed record FileDeletedObject(string Id, string Object, bool Deleted);

/// <summary>One problem of an upload, at its line (null for the whole file), as <c>twinforge data validate</c> reports it.</summary>
public sealed record ProblemObject(string File, long? Line, string? Field, string Severity, string Kind, string Message, string Text)
{
    /// <summary>The problem with the upload's name in place of the temporary file it was checked as.</summary>
    public static ProblemObject From(DatasetProblem problem, string checkedPath, string filename)
    {
        var named = problem with { FilePath = filename, Reason = problem.Reason.Replace(checkedPath, filename, StringComparison.Ordinal) };
        return new ProblemObject(filename, problem.Line, problem.Field, problem.IsError ? "error" : "warning", System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(problem.Kind.ToString()), named.Reason, named.ToString());
    }
}
