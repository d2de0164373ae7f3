using Twinforge.Cli;
using Twinforge.Service.Provenance;
using Twinforge.Twins.Provenance;

namespace Twinforge.Service.Tests;

/// <summary>
/// The service's signing key: created private (0600) in the data directory on the first start and kept across starts,
/// or the configured one; its public half published to anyone, which <c>twinforge provenance verify --service</c> fetches.
/// </summary>
public sealed class ProvenanceKeyTests
{
    [Fact]
    public async Task The_first_start_creates_a_private_key_that_later_starts_keep_and_verify_fetches_from_the_service()
    {
        var data = Directory.CreateTempSubdirectory("twinforge-provenance-key-").FullName;
        try
        {
            string keyId;
            using (var first = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:DataDirectory"] = data }))
            {
                using var anonymous = first.Client(null);
                keyId = (await ServiceFactory.Json(await anonymous.GetAsync("/v1/provenance/public_key"))).GetProperty("key_id").GetString()!;
            }
            var path = Path.Combine(data, ProvenanceSigningKey.DefaultFileName);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

            using var second = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:DataDirectory"] = data });
            var address = second.ListenOnLoopback();
            using var signer = ProvenanceSigner.FromPem(File.ReadAllText(path));
            Assert.Equal(keyId, signer.PublicKey.KeyId);
            var record = Path.Combine(data, "record.json");
            File.WriteAllText(record, signer.Sign(Sample(keyId)));

            var output = new StringWriter();
            var error = new StringWriter();
            var exit = CommandRunner.Invoke(TwinforgeCommands.CreateRoot(new StringReader("")), ["provenance", "verify", record, "--service", address], output, error);

            Assert.True(exit == 0, error.ToString());
            Assert.Contains(keyId, output.ToString());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_configured_key_is_the_one_published_and_a_missing_one_stops_the_start()
    {
        var directory = Directory.CreateTempSubdirectory("twinforge-provenance-key-").FullName;
        try
        {
            using var signer = ProvenanceSigner.Create();
            var path = Path.Combine(directory, "operator-key.pem");
            File.WriteAllText(path, signer.ExportPem());

            using (var configured = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:Provenance:SigningKeyPath"] = path }))
            {
                using var anonymous = configured.Client(null);
                var published = await ServiceFactory.Json(await anonymous.GetAsync("/v1/provenance/public_key"));
                Assert.Equal(signer.PublicKey.KeyId, published.GetProperty("key_id").GetString());
                Assert.Equal(signer.PublicKey.Pem, published.GetProperty("pem").GetString());
            }
            using var missing = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:Provenance:SigningKeyPath"] = path + ".absent" });
            var error = Assert.ThrowsAny<Exception>(() => missing.CreateClient());
            Assert.Contains("SigningKeyPath", error.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    static ProvenanceRecord Sample(string keyId) => new()
    {
        Id = "prov-abc",
        CompletionId = "chatcmpl-xyz",
        Organization = "org-acme",
        Model = "tiny",
        BaseModel = "tiny",
        Sampling = new ProvenanceSampling(1, 1, 16, 7, []),
        PromptTokens = 3,
        CompletionTokens = 4,
        FinishReason = "length",
        PromptSha256 = ProvenanceRecord.Sha256("[]"),
        TextSha256 = ProvenanceRecord.Sha256(""),
        Created = 1_796_000_000,
        KeyId = keyId,
    };
}
