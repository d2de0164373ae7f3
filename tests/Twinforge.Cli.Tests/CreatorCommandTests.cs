using System.Text.Json;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Cli.Tests;

/// <summary><c>twinforge creator …</c>: commands that need no model, on a registry in a temporary directory.</summary>
public sealed class CreatorCommandTests
{
    sealed class Registry(TemporaryDirectory directory)
    {
        public string Location => directory.File("registry.db");

        public (int ExitCode, string Output, string Error) Run(params string[] args) =>
            CliTesting.Run([.. args, "--registry", Location, "--by", "tester"]);
    }

    [Fact]
    public void Withdrawing_a_consent_no_longer_held_says_there_is_nothing_to_withdraw_and_writes_no_audit_record()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        registry.Run("creator", "add", "ana");
        registry.Run("creator", "consent", "ana", "--scope", "text");
        var first = registry.Run("creator", "withdraw", "ana", "--scope", "text", "--reason", "asked by email");
        Assert.True(first.ExitCode == ExitCodes.Success, first.Error);

        var again = registry.Run("creator", "withdraw", "ana", "--scope", "text", "--reason", "asked again");

        // The state asked for already holds (as a repeated consent returns the one recorded): success, said plainly.
        Assert.True(again.ExitCode == ExitCodes.Success, again.Error);
        Assert.Contains("nothing to withdraw", again.Output);
        Assert.Contains("no valid 'text' consent", again.Output);
        Assert.DoesNotContain("audit record 2", again.Output);
        using var opened = TwinRegistry.Open(registry.Location);
        Assert.Single(opened.ListAuditRecords());
    }

    [Fact]
    public void The_services_creators_are_listed_with_their_organisations_name_for_them_and_shown_by_it()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        using (var opened = TwinRegistry.Open(registry.Location))
        {
            var acme = opened.CreateOrganisation("org-acme", "Acme");
            var other = opened.CreateOrganisation("org-other", "Other");
            opened.GiveConsent(opened.CreateOrganisationCreator(acme.Id, "creator-aaa", "Ana").Id, "text");
            opened.CreateOrganisationCreator(acme.Id, "creator-bbb", "Bo");
            opened.CreateOrganisationCreator(other.Id, "creator-ccc", "Bo");
        }

        var listed = registry.Run("creator", "list");
        Assert.Matches(@"creator-aaa\s+consent: text\s+'Ana' of organisation 'Acme'", listed.Output);
        var shown = registry.Run("creator", "show", "Ana");
        Assert.True(shown.ExitCode == ExitCodes.Success, shown.Error);
        Assert.Contains("creator-aaa", shown.Output);
        var twoBos = registry.Run("creator", "show", "Bo");
        Assert.Equal(ExitCodes.BadInput, twoBos.ExitCode);
        Assert.Contains("2 of the service's creators are called 'Bo' (creator-bbb, 'Bo' of organisation 'Acme'; creator-ccc, 'Bo' of organisation 'Other'): give the creator's id", twoBos.Error);
        Assert.Equal(ExitCodes.Success, registry.Run("creator", "show", "creator-ccc").ExitCode);
        Assert.Equal(ExitCodes.BadInput, registry.Run("creator", "show", "Nobody").ExitCode);
    }

    [Fact]
    public void Consent_for_a_scope_no_data_asks_for_is_recorded_with_a_warning()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        registry.Run("creator", "add", "ana");

        var slip = registry.Run("creator", "consent", "ana", "--scope", "txt");
        var known = registry.Run("creator", "consent", "ana", "--scope", "text");

        Assert.Equal((ExitCodes.Success, ExitCodes.Success), (slip.ExitCode, known.ExitCode));
        Assert.Contains("consent of 'ana' for 'txt' recorded", slip.Output);
        Assert.Contains("warning: 'txt' is not a scope Twinforge's data asks for (text, voice, face, all)", slip.Error);
        Assert.Empty(known.Error);
    }

    [Fact]
    public void Show_is_a_readable_view_with_every_consent_and_its_note_and_json_for_scripts()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        registry.Run("creator", "add", "ana");
        registry.Run("creator", "consent", "ana", "--scope", "voice", "--note", "signed form 7");
        registry.Run("creator", "consent", "ana", "--scope", "text", "--note", "email of 2026-03-02");
        registry.Run("creator", "withdraw", "ana", "--scope", "voice", "--reason", "asked by phone");
        var chats = CliTesting.ChatData(directory.File("chats.jsonl"), 30);
        using (var opened = TwinRegistry.Open(registry.Location))
        {
            var ana = opened.GetCreatorByName("ana");
            new CreatorData(opened, new LocalArtifactStore(directory.File("artifacts"))).Register(ana.Id, [chats]);
            opened.CreateTwin(ana.Id, "ana-style");
        }

        var shown = registry.Run("creator", "show", "ana");
        var json = registry.Run("creator", "show", "ana", "--json");
        using (var opened = TwinRegistry.Open(registry.Location))
        {
            // A cancelled job's version is recorded failed, with why: the view says which.
            var twin = opened.GetTwin(opened.ListTwins().Single().Id);
            var baseModel = opened.CreateBaseModel(new NewBaseModel("tiny", "/models/tiny", null, "llama", 1000));
            var version = opened.NextVersion(new NewTwinVersion(twin.Id, baseModel.Id, [new DatasetUse(opened.ListDatasets().Single().Id, DatasetUse.Train)],
                "{}", 1, "test", "tester"));
            opened.SetVersionMetrics(version.Id, VersionFailure.ToJson("cancelled while it trained"));
            opened.SetVersionStatus(version.Id, VersionStatus.Failed);
        }
        var failed = registry.Run("creator", "show", "ana");
        var failedJson = registry.Run("creator", "show", "ana", "--json");

        Assert.True(shown.ExitCode == ExitCodes.Success, shown.Error);
        Assert.Matches(@"consent voice: given \S+ \S+Z, withdrawn \S+ \S+Z; note: signed form 7", shown.Output);
        Assert.Matches(@"consent text: given \S+ \S+Z; note: email of 2026-03-02", shown.Output);
        Assert.Contains("dataset 1: chats.jsonl — 30 examples", shown.Output);
        Assert.DoesNotContain("{", shown.Output);
        Assert.Matches(@"twin 'ana-style': no version yet", shown.Output);

        Assert.True(json.ExitCode == ExitCodes.Success, json.Error);
        using var document = JsonDocument.Parse(json.Output);
        var root = document.RootElement;
        Assert.Equal("ana", root.GetProperty("name").GetString());
        var voice = root.GetProperty("consents")[0];
        Assert.Equal(("voice", "signed form 7"), (voice.GetProperty("scope").GetString(), voice.GetProperty("note").GetString()));
        Assert.Equal(JsonValueKind.String, voice.GetProperty("withdrawn_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("consents")[1].GetProperty("withdrawn_at").ValueKind);
        Assert.Equal(30, root.GetProperty("datasets")[0].GetProperty("statistics").GetProperty("examples").GetInt32());
        Assert.Equal("ana-style", root.GetProperty("twins")[0].GetProperty("name").GetString());
        Assert.Contains("twin 'ana-style': 1 version(s), the latest failed (cancelled while it trained)", failed.Output);
        using var failedDocument = JsonDocument.Parse(failedJson.Output);
        var failedTwin = failedDocument.RootElement.GetProperty("twins")[0];
        Assert.Equal(("failed", "cancelled while it trained"),
            (failedTwin.GetProperty("latest_status").GetString(), failedTwin.GetProperty("latest_failure").GetString()));
    }
}
