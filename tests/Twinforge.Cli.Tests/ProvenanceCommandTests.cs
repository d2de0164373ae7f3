using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;
using Twinforge.Twins.Provenance;

namespace Twinforge.Cli.Tests;

/// <summary>
/// <c>twinforge provenance verify</c> offline: a valid record exits 0 with a summary; a tampered one exits 1 naming what
/// failed; an unreadable key exits 2. (Fetching the key with --service is tested against the service itself.)
/// </summary>
public sealed class ProvenanceCommandTests : IDisposable
{
    readonly TemporaryDirectory directory = new();
    readonly ProvenanceSigner signer = ProvenanceSigner.Create();

    ProvenanceRecord Record() => new()
    {
        Id = "prov-abc",
        CompletionId = "chatcmpl-xyz",
        Organization = "org-acme",
        Model = "creator-ana/ana-style@1",
        Creator = "creator-ana",
        Twin = "ana-style",
        TwinVersion = 1,
        AdapterSha256 = new string('a', 64),
        BaseModel = "tiny",
        BaseModelSha256 = new string('b', 64),
        Sampling = new ProvenanceSampling(0, 1, 24, null, []),
        PromptTokens = 12,
        CompletionTokens = 9,
        FinishReason = "stop",
        PromptSha256 = ProvenanceRecord.Sha256(ProvenanceRecord.PromptJson([new ChatMessage(ChatRole.User, "hi")])),
        TextSha256 = ProvenanceRecord.Sha256("hello"),
        Created = 1_796_000_000,
        KeyId = signer.PublicKey.KeyId,
    };

    string Write(string name, string text)
    {
        File.WriteAllText(directory.File(name), text);
        return directory.File(name);
    }

    string Key() => Write("key.pem", signer.PublicKey.Pem);

    [Fact]
    public void A_valid_record_exits_0_with_what_answered_whom()
    {
        var record = Write("record.json", signer.Sign(Record()));

        var (exit, output, error) = CliTesting.Run("provenance", "verify", record, "--public-key", Key());

        Assert.True(exit == 0, error);
        Assert.StartsWith("valid: prov-abc: creator-ana/ana-style@1 answered org-acme", output);
        Assert.Contains(signer.PublicKey.KeyId, output);
    }

    [Fact]
    public void The_key_may_be_the_services_json_answer()
    {
        var record = Write("record.json", signer.Sign(Record()));
        var key = Write("key.json", new JsonObject { ["key_id"] = signer.PublicKey.KeyId, ["pem"] = signer.PublicKey.Pem }.ToJsonString());

        Assert.Equal(0, CliTesting.Run("provenance", "verify", record, "--public-key", key).ExitCode);
    }

    /// <summary>A completion's own fields are what a reader takes the record to sign: one that says otherwise is refused.</summary>
    [Fact]
    public void A_completion_whose_model_id_or_usage_contradicts_its_record_exits_1()
    {
        JsonObject Completion() => new()
        {
            ["id"] = "chatcmpl-xyz", ["object"] = "chat.completion", ["model"] = "creator-ana/ana-style@1",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "hello" } }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 12, ["completion_tokens"] = 9, ["total_tokens"] = 21 },
            ["twinforge"] = new JsonObject { ["provenance"] = JsonNode.Parse(signer.Sign(Record())) },
        };
        Assert.Equal(0, CliTesting.Run("provenance", "verify", Write("whole.json", Completion().ToJsonString()), "--public-key", Key()).ExitCode);

        foreach (var (edit, expected) in new (Action<JsonObject>, string)[]
                 {
                     (c => c["model"] = "someone-else/x@9", "the completion's 'model' is 'someone-else/x@9', but the signed record's is 'creator-ana/ana-style@1'"),
                     (c => c["id"] = "chatcmpl-other", "the completion's 'id' is 'chatcmpl-other', but the signed record's completion_id is 'chatcmpl-xyz'"),
                     (c => c["usage"]!["completion_tokens"] = 999, "the completion's 'usage.completion_tokens' is 999, but the signed record's is 9"),
                 })
        {
            var completion = Completion();
            edit(completion);
            var (exit, _, error) = CliTesting.Run("provenance", "verify", Write("edited.json", completion.ToJsonString()), "--public-key", Key());
            Assert.Equal(1, exit);
            Assert.Contains($"invalid: content mismatch: {expected}", error);
        }
    }

    [Fact]
    public void A_key_file_whose_key_id_is_not_its_pems_is_bad_input()
    {
        var record = Write("record.json", signer.Sign(Record()));
        var key = Write("key.json", new JsonObject { ["key_id"] = "0000000000000000", ["pem"] = signer.PublicKey.Pem }.ToJsonString());

        var (exit, _, error) = CliTesting.Run("provenance", "verify", record, "--public-key", key);

        Assert.Equal(2, exit);
        Assert.Contains($"its key_id '0000000000000000' is not its pem's key ('{signer.PublicKey.KeyId}')", error);
    }

    [Fact]
    public void A_tampered_record_exits_1_with_signature_mismatch()
    {
        var tampered = JsonNode.Parse(signer.Sign(Record()))!.AsObject();
        tampered["completion_tokens"] = 900;
        var record = Write("record.json", tampered.ToJsonString());

        var (exit, output, error) = CliTesting.Run("provenance", "verify", record, "--public-key", Key());

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.StartsWith("invalid: signature mismatch", error);
    }

    [Fact]
    public void A_file_that_is_not_a_record_or_a_directory_exits_2_naming_it()
    {
        var notJson = Write("notes.txt", "these are not a record");
        var directory = Path.GetDirectoryName(notJson)!;

        var (exit, output, error) = CliTesting.Run("provenance", "verify", notJson, "--public-key", Key());
        var (directoryExit, _, directoryError) = CliTesting.Run("provenance", "verify", directory, "--public-key", Key());

        Assert.Equal((2, 2), (exit, directoryExit));
        Assert.Empty(output);
        Assert.StartsWith($"error: {notJson}:1:2: is not a JSON record: ", error); // the reader stops at the h of "these"
        Assert.DoesNotContain("LineNumber", error); // located once, not again in the JSON reader's words
        Assert.StartsWith($"error: {directory}: is a directory, not a record or key file", directoryError);

        // A key file that is no key is named, in words without .NET's "(Parameter 'input')".
        var (keyExit, _, keyError) = CliTesting.Run("provenance", "verify", notJson, "--public-key", notJson);
        Assert.Equal(2, keyExit);
        Assert.StartsWith($"error: {notJson}: not an ECDSA P-256 public key in PEM (", keyError);
        Assert.DoesNotContain("(Parameter", keyError);
    }

    [Fact]
    public void A_record_of_another_key_exits_1_with_key_id_mismatch()
    {
        using var other = ProvenanceSigner.Create();
        var record = Write("record.json", other.Sign(Record() with { KeyId = other.PublicKey.KeyId }));

        var (exit, _, error) = CliTesting.Run("provenance", "verify", record, "--public-key", Key());

        Assert.Equal(1, exit);
        Assert.StartsWith("invalid: key id mismatch", error);
    }

    [Fact]
    public void A_malformed_field_exits_1_naming_it()
    {
        var tampered = JsonNode.Parse(signer.Sign(Record()))!.AsObject();
        tampered["prompt_tokens"] = "twelve";
        var record = Write("record.json", tampered.ToJsonString());

        var (exit, _, error) = CliTesting.Run("provenance", "verify", record, "--public-key", Key());

        Assert.Equal(1, exit);
        Assert.StartsWith("invalid: malformed field prompt_tokens", error);
        // Not JSON at all is not a record that failed verification but a file that cannot be read as one: exit 2.
        Assert.Equal(2, CliTesting.Run("provenance", "verify", Write("not.json", "not json"), "--public-key", Key()).ExitCode);
    }

    [Fact]
    public void An_unreadable_key_or_no_key_is_bad_input()
    {
        var record = Write("record.json", signer.Sign(Record()));

        Assert.Equal(2, CliTesting.Run("provenance", "verify", record, "--public-key", Write("bad.pem", "not a key")).ExitCode);
        var (exit, _, error) = CliTesting.Run("provenance", "verify", record);
        Assert.Equal(2, exit);
        Assert.Contains("--public-key", error);
    }

    public void Dispose()
    {
        signer.Dispose();
        directory.Dispose();
    }
}
