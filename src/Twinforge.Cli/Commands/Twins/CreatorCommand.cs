using System.CommandLine;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// <c>twinforge creator</c>: the people twins are made of, and their consent. <c>withdraw</c> deletes everything
/// derived from the creator's data under the withdrawn scope and keeps an audit record without the data.
/// </summary>
public static class CreatorCommand
{
    public static Command Create()
    {
        var command = new Command("creator", "Creators and their consent: add, consent, withdraw (deleting everything derived from their data), list, show.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Consent());
        command.Subcommands.Add(Withdraw());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        return command;
    }

    static Argument<string> NameArgument() => new("name") { Description = "The creator's unique name" };

    static Option<string> ScopeOption(string description) => new("--scope")
    {
        Description = $"{description}: text, voice, face, all, or another lowercase name",
        DefaultValueFactory = _ => ConsentScopes.Text,
    };

    static Command Add()
    {
        var name = NameArgument();
        var registry = new RegistryArguments();
        var command = new Command("add", "Add a creator.") { name };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var creator = opened.Registry.CreateCreator(result.GetValue(name)!);
            result.InvocationConfiguration.Output.WriteLine($"creator '{creator.Name}' added (id {creator.Id}); record their consent with: twinforge creator consent {creator.Name} --scope text");
            return ExitCodes.Success;
        });
        return command;
    }

    static Command Consent()
    {
        var name = NameArgument();
        var scope = ScopeOption("What the consent covers");
        var note = new Option<string>("--note") { Description = "Where the consent is documented, e.g. a signed form's reference [default: none]" };
        var registry = new RegistryArguments();
        var command = new Command("consent", "Record a creator's consent for a scope.") { name, scope, note };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var creator = opened.Creator(result.GetValue(name)!);
            var consent = opened.Registry.GiveConsent(creator.Id, ConsentScopes.Validate(result.GetValue(scope)!), result.GetValue(note));
            result.InvocationConfiguration.Output.WriteLine($"consent of '{creator.Name}' for '{consent.Scope}' recorded at {consent.GivenAt:u}");
            if (ConsentScopes.UnknownScopeNote(consent.Scope) is { } unknownScope) result.InvocationConfiguration.Error.WriteLine($"warning: {unknownScope}");
            return ExitCodes.Success;
        });
        return command;
    }

    static Command Withdraw()
    {
        var name = NameArgument();
        var scope = ScopeOption("The consent withdrawn ('all' withdraws every scope)");
        var reason = new Option<string>("--reason") { Description = "Why, as kept in the audit record", Required = true };
        var registry = new RegistryArguments();
        var command = new Command("withdraw", "Withdraw consent: delete the creator's data under it and every twin version derived from it, with an audit record.")
        {
            name, scope, reason,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var creator = opened.Creator(result.GetValue(name)!);
            ConsentWithdrawal withdrawal;
            try
            {
                withdrawal = opened.Lifecycle.WithdrawConsent(creator.Id, ConsentScopes.Validate(result.GetValue(scope)!), result.GetValue(reason)!);
            }
            catch (NothingToWithdrawException nothing)
            {
                // What the withdrawal asks for already holds (run twice, say): success, as a repeated consent is.
                output.WriteLine($"nothing to withdraw: {nothing.Message}");
                return ExitCodes.Success;
            }
            var audit = withdrawal.Audit;
            output.WriteLine($"consent of '{creator.Name}' for '{audit.Scope}' withdrawn: deleted {audit.DeletedDatasetIds.Count} dataset(s), " +
                             $"{audit.DeletedVersionIds.Count} twin version(s){VersionNames(opened.Registry, audit.DeletedVersionIds)}, {audit.RemovedAliasCount} alias(es), " +
                             $"{withdrawal.Artifacts.Deleted.Count} artifact(s); audit record {audit.Id}.");
            if (withdrawal.Artifacts.KeptStillReferenced.Count > 0)
                output.WriteLine($"kept {withdrawal.Artifacts.KeptStillReferenced.Count} artifact(s) that versions not derived from this data also record");
            VersionPrinter.ExportedCopies(output, audit.ExportedCopies, twinId => $"twin '{opened.Registry.GetTwin(twinId).Name}'");
            // Twins of theirs deleted before listed their copies then: the withdrawal is when those must be gone too.
            foreach (var earlier in opened.Registry.ListAuditRecords().Where(record => record.CreatorId == creator.Id
                         && record.Action == AuditRecord.TwinDeleted && record.ExportedCopies.Count > 0))
            {
                output.WriteLine($"twin '{earlier.TwinName}', deleted {earlier.PerformedAt:u} (audit record {earlier.Id}), had copies outside the store; " +
                                 "if they are still there, they hold this creator's data:");
                VersionPrinter.ExportedCopies(output, earlier.ExportedCopies, _ => $"twin '{earlier.TwinName}'");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static Command List()
    {
        var registry = new RegistryArguments();
        var command = new Command("list", "List creators with their valid consents.");
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            foreach (var creator in opened.Registry.ListCreators())
            {
                var scopes = opened.Registry.ListConsents(creator.Id).Where(c => c.WithdrawnAt is null).Select(c => c.Scope);
                var line = $"{creator.Name,-24} consent: {string.Join(", ", scopes.DefaultIfEmpty("none"))}";
                // The service's creators are named by their id; the name their organisation gave them follows.
                if (creator.DisplayName is not null) line = $"{line,-44} {opened.OrganisationsName(creator)}";
                result.InvocationConfiguration.Output.WriteLine(line);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static Command Show()
    {
        var name = NameArgument();
        var json = new Option<bool>("--json") { Description = "Print the same as one JSON object, for scripts [default: false]" };
        var registry = new RegistryArguments();
        var command = new Command("show",
            "A creator's consents (with their notes), datasets with the versions built from each, twins, and every twin version built from their data.")
        {
            name, json,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var view = CreatorView.Load(opened.Registry, opened.Creator(result.GetValue(name)!));
            if (result.GetValue(json)) output.WriteLine(view.ToJson());
            else view.Print(output);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The deleted versions as a person knows them, by twin and number (" (ana-style v1, v2; tom-style v1)").</summary>
    static string VersionNames(Registry.ITwinRegistry registry, IReadOnlyList<long> versionIds)
    {
        if (versionIds.Count == 0) return "";
        var versions = versionIds.Select(registry.GetVersion).ToList();
        var byTwin = versions.GroupBy(version => version.TwinId)
            .Select(twin => $"{registry.GetTwin(twin.Key).Name} {string.Join(", ", twin.OrderBy(v => v.Number).Select(v => $"v{v.Number}"))}");
        return $" ({string.Join("; ", byTwin)})";
    }
}
