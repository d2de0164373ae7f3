using System.CommandLine;
using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Twins.Provenance;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge provenance verify RECORD.json</c>: checks a completion's provenance record offline with the service's
/// public key (a PEM file, <c>GET /v1/provenance/public_key</c>'s answer saved to a file, or fetched with
/// <c>--service</c>). The file may be the record itself, a whole chat completion, a stream's last chunk or
/// <c>GET /v1/provenance/{id}</c>'s answer; a prompt or text that came with the record is checked against its hashes.
/// Exit 0 when valid; 1 naming what failed (the signature, the key id, a malformed field by name, the content);
/// 2 when the file or the key cannot be read.
/// </summary>
public static class ProvenanceCommand
{
    public static Command Create()
    {
        var command = new Command("provenance", "Completions' signed provenance records: verify one offline.");
        command.Subcommands.Add(Verify());
        return command;
    }

    static Command Verify()
    {
        var recordFile = new Argument<FileInfo>("record") { Description = "A JSON file holding the record: the record, a chat completion, a stream's last chunk or GET /v1/provenance/{id}'s answer" };
        var publicKey = new Option<FileInfo>("--public-key") { Description = "The service's public key: PEM, or the JSON of GET /v1/provenance/public_key [required: this or --service]" };
        var service = new Option<string>("--service") { Description = "Fetch the public key from this service (its base URL, e.g. http://127.0.0.1:8080) [required: this or --public-key]" };
        var command = new Command("verify", "Check a provenance record's signature and fields with the service's public key.") { recordFile, publicKey, service };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(publicKey) is null) == (result.GetResult(service) is null))
                result.AddError("give the key with exactly one of --public-key FILE or --service URL");
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var file = result.GetValue(recordFile)!;
            var key = result.GetValue(publicKey) is { } keyFile
                ? PublicKeyFrom(ReadFile(keyFile), keyFile.FullName)
                : await FetchPublicKey(ServiceAddress(result.GetValue(service)!), cancellationToken);

            ProvenanceVerification verdict;
            try
            {
                using var document = JsonDocument.Parse(ReadFile(file));
                verdict = ProvenanceDocument.Read(document.RootElement).Verify(key);
            }
            catch (JsonException e)
            {
                // Not a record at all (empty, binary, JSON Lines): the file cannot be read as one, which is bad input;
                // a record whose fields were changed is read, and judged invalid (exit 1).
                throw new InputFileException(file.FullName, $"is not a JSON record: {JsonProblem.Reason(e)}", line: e.LineNumber + 1, inner: e,
                    column: e.BytePositionInLine + 1);
            }
            catch (ProvenanceFormatException malformed)
            {
                verdict = ProvenanceVerification.Malformed(malformed);
            }

            if (verdict.IsValid)
            {
                output.WriteLine($"valid: {verdict.Record}; signed with key {key.KeyId}");
                return ExitCodes.Success;
            }
            var what = verdict.Failure switch
            {
                ProvenanceFailure.MalformedField => $"malformed field {verdict.Field}",
                ProvenanceFailure.KeyIdMismatch => "key id mismatch",
                ProvenanceFailure.SignatureMismatch => "signature mismatch",
                ProvenanceFailure.ContentMismatch => "content mismatch",
                _ => verdict.Failure.ToString(),
            };
            result.InvocationConfiguration.Error.WriteLine($"invalid: {what}: {verdict.Problem} ({file.FullName})");
            return ExitCodes.Failure;
        });
        return command;
    }

    static string ReadFile(FileInfo file)
    {
        if (Directory.Exists(file.FullName)) throw new InputFileException(file.FullName, "is a directory, not a record or key file");
        try
        {
            return File.ReadAllText(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(file.FullName, $"cannot be read: {e.Message}", inner: e);
        }
    }

    /// <summary>PEM, or the service's JSON answer (its <c>pem</c>, and its <c>key_id</c>, which must be that key's).</summary>
    static ProvenancePublicKey PublicKeyFrom(string text, string source)
    {
        try
        {
            string? declaredId = null;
            if (text.TrimStart().StartsWith('{'))
            {
                using var document = JsonDocument.Parse(text);
                text = document.RootElement.TryGetProperty("pem", out var pem) && pem.ValueKind == JsonValueKind.String
                    ? pem.GetString()!
                    : throw new BadInputException($"{source}: a JSON key file must be GET /v1/provenance/public_key's answer, with 'pem'");
                if (document.RootElement.TryGetProperty("key_id", out var id)) declaredId = id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText();
            }
            var key = ProvenancePublicKey.FromPem(text);
            // The id is the key's own hash: one that says otherwise belongs to another key, or was edited.
            if (declaredId is not null && declaredId != key.KeyId)
                throw new BadInputException($"{source}: its key_id '{declaredId}' is not its pem's key ('{key.KeyId}'): the file was edited, or mixes two keys");
            return key;
        }
        catch (Exception e) when (e is ArgumentException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            var why = e switch { JsonException json => JsonProblem.Reason(json), ArgumentException argument => ArgumentProblem.Of(argument), _ => e.Message };
            throw new BadInputException($"{source}: not an ECDSA P-256 public key in PEM ({why})", e);
        }
    }

    static Uri ServiceAddress(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var address) && address.Scheme is "http" or "https"
            ? address
            : throw new BadInputException($"--service '{text}' is not an http(s) URL such as http://127.0.0.1:8080");

    static async Task<ProvenancePublicKey> FetchPublicKey(Uri service, CancellationToken cancellationToken)
    {
        var address = new Uri(service.GetLeftPart(UriPartial.Path).TrimEnd('/').TrimSuffix("/v1") + "/v1/provenance/public_key");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string body;
        try
        {
            using var response = await http.GetAsync(address, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) throw new BadInputException($"{address} answered {(int)response.StatusCode}: {body}");
        }
        catch (HttpRequestException e)
        {
            throw new BadInputException($"cannot fetch the public key from {address}: {e.Message}", e);
        }
        return PublicKeyFrom(body, address.ToString());
    }

    static string TrimSuffix(this string text, string suffix) => text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text;
}
