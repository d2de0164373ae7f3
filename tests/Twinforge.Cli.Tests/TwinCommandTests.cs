using Twinforge.Twins;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class TwinCommandTests
{
    /// <summary>The registry options and a quick recipe for every command of a test.</summary>
    sealed class Registry(TemporaryDirectory directory)
    {
        public (int ExitCode, string Output, string Error) Run(params string[] args) =>
            CliTesting.Run([.. args, "--registry", directory.File("registry.db"), "--by", "tester"]);

        public static readonly string[] QuickRecipe =
        [
            "--set", "training.max_steps=4", "--set", "training.batch_size=4", "--set", "training.learning_rate=0.01",
            "--set", "training.precision=float32", "--set", "early_stopping.evaluate_every_steps=2", "--set", "data_options.sequence_length=96",
            "--set", "data_options.validation_fraction=0.2",
        ];
    }

    [Fact]
    public void A_twin_lives_through_versions_aliases_comparison_rebuild_and_withdrawn_consent()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        var model = TinyModel(directory.File("base"));
        var spring = ChatData(directory.File("spring.jsonl"), 30);
        var summer = ChatData(directory.File("summer.jsonl"), 30, offset: 100);

        Assert.Equal(ExitCodes.Success, registry.Run("creator", "add", "ana").ExitCode);
        var noConsent = registry.Run(["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", spring, .. Registry.QuickRecipe]);
        Assert.Equal(ExitCodes.BadInput, noConsent.ExitCode);
        Assert.Contains("consent", noConsent.Error);
        Assert.Equal(ExitCodes.Success, registry.Run("creator", "consent", "ana", "--scope", "text", "--note", "form 7").ExitCode);

        var created = registry.Run(["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", spring, .. Registry.QuickRecipe]);
        Assert.True(created.ExitCode == ExitCodes.Success, created.Error + created.Output);
        Assert.Contains("version 1: succeeded", created.Output);
        Assert.Contains("first version", created.Output);
        // Evaluated as it was trained, against the built-in sources: every figure printed.
        Assert.Contains("Fidelity: does it sound like its creator?", created.Output);
        Assert.Matches(@"attributed to the creator by the judge \(20-word chunks\)\s+twin \d+\.\d% of \d+\s+base \d+\.\d% of \d+", created.Output);
        Assert.Contains("training answers completed word for word from their first half", created.Output);
        Assert.Contains("loss on evaluation-general-english-v1.txt", created.Output);
        Assert.Contains("now serves version 1", registry.Run("twin", "promote", "ana-style", "1", "--alias", "production").Output);

        // A random tiny base: what it loses on general English says nothing here, so the update is judged on its loss alone.
        var updated = registry.Run("twin", "update", "ana-style", "--data", summer, "--promote-to", "production", "--margin", "-100", "--no-evaluation");
        Assert.True(updated.ExitCode == ExitCodes.Success, updated.Error + updated.Output);
        Assert.Contains("version 2: succeeded", updated.Output);
        Assert.Contains("promoted to 'production'", updated.Output);
        Assert.Matches("(better|not better) than its parent", updated.Output);

        var shown = registry.Run("twin", "show", "ana-style");
        Assert.Contains("[production]", shown.Output);
        Assert.Matches(@"\s+2 succeeded\s+1 ", shown.Output);
        // Columns line up whatever the verdicts' lengths: every version's creation time sits under "created".
        var shownLines = shown.Output.Split('\n');
        int createdColumn = shownLines.Single(line => line.TrimStart().StartsWith("version ", StringComparison.Ordinal)).IndexOf("created", StringComparison.Ordinal);
        var versionRows = shownLines.Where(line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s+\d+ (succeeded|failed|deleted)")).ToList();
        Assert.Equal(2, versionRows.Count);
        Assert.All(versionRows, row => Assert.Matches(@"^\d{4}-\d\d-\d\d ", row[createdColumn..]));

        var compared = registry.Run("twin", "compare", "ana-style", "1", "2", "--prompts", "1");
        Assert.True(compared.ExitCode == ExitCodes.Success, compared.Error);
        Assert.Contains("fixed held-out loss", compared.Output);
        // A handful of held-out conversations: too few for an interval, and said so.
        Assert.Matches(@"not told from noise: only \d held-out conversations, fewer than the 10 an interval needs", compared.Output);
        Assert.Contains("Q: ", compared.Output);
        Assert.Contains("version 1", compared.Output);

        var diffed = registry.Run("twin", "diff", "ana-style", "1", "2", "--prompts", "2", "--output", directory.File("diff"));
        Assert.True(diffed.ExitCode == ExitCodes.Success, diffed.Error);
        Assert.Matches(@"\[held-out\] .+   change [+-]\d+\.\d\d", diffed.Output);
        Assert.Matches(@"\[general\] What is the capital of France\?   change [+-]\d+\.\d\d", diffed.Output);
        Assert.Matches(@"v1: .+\(under v1 \d+\.\d\d, under v2 \d+\.\d\d\)", diffed.Output);
        var changes = System.Text.RegularExpressions.Regex.Matches(diffed.Output, @"   change ([+-]\d+\.\d\d)")
            .Select(match => double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(changes.OrderByDescending(change => change), changes); // largest change first
        Assert.Contains("capital of France", File.ReadAllText(Path.Combine(directory.File("diff"), "report.html")));

        var recipe = registry.Run("twin", "recipe", "ana-style", "2");
        Assert.True(recipe.ExitCode == ExitCodes.Success, recipe.Error);
        Assert.Contains("training:", recipe.Output);
        Assert.DoesNotContain(spring, recipe.Output);
        File.WriteAllText(directory.File("v2.yaml"), recipe.Output);
        Assert.Equal(recipe.Output, TwinRecipe.FromText(File.ReadAllText(directory.File("v2.yaml"))).ToText());

        // Version 1's stored page: evaluated, it has its figures; version 2 (--no-evaluation) its held-out loss all the same.
        var report = registry.Run("twin", "report", "ana-style", "1", "--output", directory.File("v1.html"));
        Assert.True(report.ExitCode == ExitCodes.Success, report.Error);
        Assert.Contains($"Report of twin 'ana-style' version 1: {directory.File("v1.html")}", report.Output);
        var page = File.ReadAllText(directory.File("v1.html"));
        Assert.Contains("Run report: ana-style version 1", page);
        Assert.Contains("Held-out loss: the version against its parent", page);
        Assert.Contains("Fidelity: does it sound like its creator?", page);
        // Into a folder not made yet, which is made; not where a file stands in for a folder, nor onto a directory.
        var v2Page = Path.Combine(directory.File("reports"), "v2.html");
        Assert.Equal(ExitCodes.Success, registry.Run("twin", "report", "ana-style", "2", "--output", v2Page).ExitCode);
        var underAFile = registry.Run("twin", "report", "ana-style", "2", "--output", Path.Combine(directory.File("v1.html"), "v2.html"));
        Assert.Equal(ExitCodes.BadInput, underAFile.ExitCode);
        Assert.Contains($"{directory.File("v1.html")} is a file", underAFile.Error);
        var ontoADirectory = registry.Run("twin", "report", "ana-style", "2", "--output", directory.File("reports"));
        Assert.Equal(ExitCodes.BadInput, ontoADirectory.ExitCode);
        Assert.Contains("is a directory, not a file to write the report to", ontoADirectory.Error);
        var unevaluated = File.ReadAllText(v2Page);
        Assert.Contains("Held-out loss: the version against its parent", unevaluated);
        Assert.DoesNotContain("Fidelity: does it sound like its creator?", unevaluated);
        var notAgain = registry.Run("twin", "report", "ana-style", "1", "--output", directory.File("v1.html"));
        Assert.Equal(ExitCodes.BadInput, notAgain.ExitCode);
        Assert.Contains("--force", notAgain.Error);

        var lineage = registry.Run("twin", "lineage", "ana-style", "2");
        // A refit (the default) trains on the earlier data in full, and says so where the registry's role is "replay".
        foreach (var role in new[] { "train", "earlier data, trained on in full (refit)", "heldout" }) Assert.Contains(role + " ", lineage.Output);
        Assert.DoesNotContain("replay ", lineage.Output);
        Assert.Contains("version 1 (succeeded", lineage.Output);

        var creatorShown = registry.Run("creator", "show", "ana").Output;
        Assert.Contains("versions built from it, directly or through parents: ana-style v1, ana-style v2", creatorShown);
        Assert.Contains("consent text: given", creatorShown);

        Assert.Contains("rolled back to version 1", registry.Run("twin", "rollback", "ana-style", "--alias", "production").Output);
        // "served/" exactly as the README writes it.
        var noSuchAlias = registry.Run("twin", "export", "ana-style", "--alias", "staging", "--output", directory.File("staged"));
        Assert.Equal(ExitCodes.BadInput, noSuchAlias.ExitCode);
        Assert.Contains("twin 'ana-style' has no alias 'staging' yet: export a version with --version N", noSuchAlias.Error);
        Assert.Contains("twin promote ana-style N --alias staging", noSuchAlias.Error);
        var exported = registry.Run("twin", "export", "ana-style", "--alias", "production", "--output", directory.File("served") + "/");
        Assert.True(exported.ExitCode == ExitCodes.Success, exported.Error);
        Assert.True(File.Exists(Path.Combine(directory.File("served"), "adapter_model.safetensors")));
        var again = registry.Run("twin", "export", "ana-style", "--output", directory.File("served"));
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Contains("--force", again.Error);
        Assert.Equal(ExitCodes.Success, registry.Run("twin", "export", "ana-style", "--output", directory.File("served"), "--force").ExitCode);
        // A file of the user's beside the export: --force would delete it with the directory, so it is refused.
        File.WriteAllText(Path.Combine(directory.File("served"), "README-mine.txt"), "how we serve it");
        var besideNotes = registry.Run("twin", "export", "ana-style", "--output", directory.File("served"), "--force");
        Assert.Equal(ExitCodes.BadInput, besideNotes.ExitCode);
        Assert.Contains("files an export does not write (README-mine.txt)", besideNotes.Error);
        Assert.Equal("how we serve it", File.ReadAllText(Path.Combine(directory.File("served"), "README-mine.txt")));
        Assert.True(File.Exists(Path.Combine(directory.File("served"), "adapter_model.safetensors")));
        var documents = Directory.CreateDirectory(directory.File("documents")).FullName;
        File.WriteAllText(Path.Combine(documents, "letter.txt"), "keep me");
        var intoDocuments = registry.Run("twin", "export", "ana-style", "--output", documents, "--force");
        Assert.Equal(ExitCodes.BadInput, intoDocuments.ExitCode);
        Assert.Contains("holds no adapter or model", intoDocuments.Error);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(documents, "letter.txt")));
        var both = registry.Run("twin", "export", "ana-style", "--version", "2", "--alias", "production", "--output", directory.File("either"));
        Assert.Equal(ExitCodes.BadInput, both.ExitCode);
        Assert.Contains("--version and --alias both name the version to export", both.Error);

        var rebuilt = registry.Run("twin", "rebuild", "ana-style", "2");
        Assert.True(rebuilt.ExitCode == ExitCodes.Success, rebuilt.Error + rebuilt.Output);
        Assert.Contains("identical", rebuilt.Output);

        var withdrawn = registry.Run("creator", "withdraw", "ana", "--scope", "all", "--reason", "asked by email");
        Assert.True(withdrawn.ExitCode == ExitCodes.Success, withdrawn.Error);
        Assert.Contains("2 twin version(s) (ana-style v1, v2)", withdrawn.Output);
        // Each export was recorded, and the diff's page (the creator's prompts, both versions' answers) as a copy of
        // both versions: the withdrawal names the copies outside the store for the operator to delete.
        // A place exported to twice (served/, replaced with --force; the diff page, a copy of both versions) is one line.
        Assert.Contains("4 exported copies of the deleted versions, outside the store", withdrawn.Output);
        Assert.Contains($"{directory.File("v1.html")}  (twin 'ana-style' version 1, exported ", withdrawn.Output);
        Assert.Contains($"{v2Page}  (twin 'ana-style' version 2, exported ", withdrawn.Output);
        Assert.Contains($"{directory.File("served")}  (twin 'ana-style' version 1, exported there 2 times, last ", withdrawn.Output);
        Assert.Contains($"{Path.Combine(directory.File("diff"), "report.html")}  (twin 'ana-style' versions 1, 2, exported there 2 times, last ", withdrawn.Output);
        Assert.DoesNotContain(documents, withdrawn.Output);
        Assert.Contains("deleted", registry.Run("twin", "show", "ana-style").Output);
        var fromDeleted = registry.Run("twin", "update", "ana-style", "--from", "2", "--data", summer);
        Assert.Equal(ExitCodes.BadInput, fromDeleted.ExitCode);
        // Nothing left to compare or diff: a clear refusal, not a table of blanks or an internal error.
        var comparedDeleted = registry.Run("twin", "compare", "ana-style", "1", "2");
        Assert.Equal(ExitCodes.BadInput, comparedDeleted.ExitCode);
        Assert.Contains("version 1 of twin 'ana-style'", comparedDeleted.Error);
        Assert.Contains("was deleted; cannot compare it", comparedDeleted.Error);
        var diffedDeleted = registry.Run("twin", "diff", "ana-style", "1", "2");
        Assert.Equal(ExitCodes.BadInput, diffedDeleted.ExitCode);
        Assert.Contains("version 1 was deleted: only a succeeded version can answer the probes", diffedDeleted.Error);
        var diffedItself = registry.Run("twin", "diff", "ana-style", "2", "2");
        Assert.Equal(ExitCodes.BadInput, diffedItself.ExitCode);
        Assert.Contains("a and b are both version 2", diffedItself.Error);
    }

    [Fact]
    public void Malformed_data_is_refused_before_anything_is_registered_with_every_error_as_data_validate_finds_it()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        var model = TinyModel(directory.File("base"));
        registry.Run("creator", "add", "dan");
        registry.Run("creator", "consent", "dan", "--scope", "text");
        // One unfinished line: it was held out of nothing and refused as "too small to hold out", naming no line.
        var unfinished = directory.File("unfinished.jsonl");
        File.WriteAllText(unfinished, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},\n");
        var good = ChatData(directory.File("good.jsonl"), 3);
        var mixed = directory.File("mixed.jsonl");
        File.WriteAllLines(mixed, [File.ReadLines(good).First(), "{not json", File.ReadLines(good).Last().Replace("\"assistant\"", "\"asistant\"")]);

        var refused = registry.Run(["twin", "create", "dan-style", "--creator", "dan", "--base", model, "--data", unfinished, .. Registry.QuickRecipe]);
        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.StartsWith($"error: {unfinished}:1: is not valid JSON", refused.Error);
        Assert.DoesNotContain("hold out", refused.Error);

        var both = registry.Run(["twin", "create", "dan-style", "--creator", "dan", "--base", model, "--data", mixed, .. Registry.QuickRecipe]);
        var validated = CliTesting.Run("data", "validate", "--data", mixed);
        Assert.Equal((ExitCodes.BadInput, ExitCodes.BadInput), (both.ExitCode, validated.ExitCode));
        var errorLines = both.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errorLines.Length); // both errors, in the file's order, as data validate counts them
        Assert.StartsWith($"error: {mixed}:2: is not valid JSON", errorLines[0]);
        Assert.StartsWith($"error: {mixed}:3: 'messages[1].role'", errorLines[1]);
        Assert.Contains("2 errors", validated.Output);
        // Refused before anything was registered: no twin, no dataset.
        Assert.Equal(ExitCodes.BadInput, registry.Run("twin", "show", "dan-style").ExitCode);
        Assert.DoesNotContain(".jsonl", registry.Run("creator", "show", "dan").Output);
    }

    [Fact]
    public void A_twin_whose_first_version_failed_names_the_users_file_and_is_retried_or_created_again()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        var model = TinyModel(directory.File("base"));
        var longData = directory.File("ana-long.jsonl");
        File.WriteAllLines(longData, Enumerable.Range(0, 30).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"Tell me all, part {i}.\"}},{{\"role\":\"assistant\",\"content\":\"{new string('a', 150)} {i}\"}}]}}"));
        registry.Run("creator", "add", "ana");
        registry.Run("creator", "consent", "ana", "--scope", "text");

        var failed = registry.Run(["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", longData, .. Registry.QuickRecipe]);

        Assert.Equal(ExitCodes.BadInput, failed.ExitCode);
        Assert.Contains("error: ana-long.jsonl: has no usable examples: every example is longer than the sequence length of 96 tokens", failed.Error);
        Assert.DoesNotContain("train.jsonl", failed.Error);
        var shownFailed = registry.Run("twin", "show", "ana-style").Output;
        Assert.Matches(@"\s+1 failed ", shownFailed);
        // Why, kept with the version: the command's error is long gone when someone looks.
        Assert.Contains("failed: ana-long.jsonl: has no usable examples: every example is longer than the sequence length of 96 tokens", shownFailed);
        Assert.Contains("  failed: ana-long.jsonl: has no usable examples", registry.Run("twin", "lineage", "ana-style", "1").Output);
        var noParent = registry.Run("twin", "update", "ana-style", "--data", longData);
        Assert.Contains("no succeeded version", noParent.Error);

        // Retried from its record, with only the over-long policy changed: version 2.
        var retried = registry.Run("twin", "retry", "ana-style", "--set", "data_options.overlong=truncate_left");
        Assert.True(retried.ExitCode == ExitCodes.Success, retried.Error + retried.Output);
        Assert.Contains("twin 'ana-style' version 2: succeeded", retried.Output);
        // Now that a version has succeeded, creating the twin again is refused with a pointer to update.
        var heldOut = ChatData(directory.File("ana-held.jsonl"), 12, offset: 500);
        var datasetsBefore = registry.Run("creator", "show", "ana").Output;
        var refused = registry.Run(["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", longData, "--heldout", heldOut, .. Registry.QuickRecipe]);
        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains("update", refused.Error);
        Assert.Equal(datasetsBefore, registry.Run("creator", "show", "ana").Output); // the refused create registered nothing (its held-out file)
        Assert.DoesNotContain("ana-held.jsonl", datasetsBefore);
    }

    [Fact]
    public void Creating_a_twin_again_after_its_first_version_failed_trains_its_next_version()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        var model = TinyModel(directory.File("base"));
        var spring = ChatData(directory.File("spring.jsonl"), 30);
        registry.Run("creator", "add", "ana");
        registry.Run("creator", "consent", "ana", "--scope", "text");
        var failed = registry.Run(["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", spring, .. Registry.QuickRecipe,
            "--set", "data_options.sequence_length=16"]);
        Assert.Equal(ExitCodes.BadInput, failed.ExitCode);

        var again = registry.Run(["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", spring, .. Registry.QuickRecipe]);

        Assert.True(again.ExitCode == ExitCodes.Success, again.Error + again.Output);
        Assert.Contains("twin 'ana-style' version 2: succeeded", again.Output);
        Assert.DoesNotContain("checkpoint saved", again.Output); // in a scratch directory deleted at the end: not the user's
        Assert.Matches(@"\s+1 failed ", registry.Run("twin", "show", "ana-style").Output);

        // An update on the data version 2 trained on: said before it trains.
        var same = registry.Run("twin", "update", "ana-style", "--data", spring, "--no-evaluation");
        Assert.True(same.ExitCode == ExitCodes.Success, same.Error + same.Output);
        Assert.Matches(@"note: this data is dataset \d+, which version 2 already trained on: the update brings nothing new", same.Output);
    }

    [Fact]
    public void Deleting_a_twin_removes_every_version_frees_its_name_and_lists_its_exported_copies()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        var model = TinyModel(directory.File("base"));
        var spring = ChatData(directory.File("spring.jsonl"), 30);
        registry.Run("creator", "add", "ana");
        registry.Run("creator", "consent", "ana", "--scope", "text");
        string[] create = ["twin", "create", "ana-style", "--creator", "ana", "--base", model, "--data", spring, .. Registry.QuickRecipe];
        var created = registry.Run(create);
        Assert.True(created.ExitCode == ExitCodes.Success, created.Error + created.Output);
        var exported = registry.Run("twin", "export", "ana-style", "--version", "1", "--output", directory.File("served"));
        Assert.True(exported.ExitCode == ExitCodes.Success, exported.Error);

        var deleted = registry.Run("twin", "delete", "ana-style", "--reason", "retired");

        Assert.True(deleted.ExitCode == ExitCodes.Success, deleted.Error);
        Assert.Contains("twin 'ana-style' deleted with 1 version(s)", deleted.Output);
        Assert.Contains($"{directory.File("served")}  (twin 'ana-style' version 1, exported ", deleted.Output);
        Assert.Equal(ExitCodes.BadInput, registry.Run("twin", "show", "ana-style").ExitCode);
        Assert.Contains("spring.jsonl", registry.Run("creator", "show", "ana").Output);
        var again = registry.Run(create);
        Assert.True(again.ExitCode == ExitCodes.Success, again.Error + again.Output);
        Assert.Contains("version 1: succeeded", again.Output);

        // Withdrawing the creator's consent later names the copies the deleted twin left, which hold their data too.
        var withdrawn = registry.Run("creator", "withdraw", "ana", "--scope", "all", "--reason", "asked");
        Assert.True(withdrawn.ExitCode == ExitCodes.Success, withdrawn.Error);
        Assert.Contains("twin 'ana-style', deleted ", withdrawn.Output);
        Assert.Contains($"{directory.File("served")}  (twin 'ana-style' version 1, exported ", withdrawn.Output);
    }

    [Fact]
    public void Unknown_names_and_unpromotable_versions_are_bad_input_with_the_name()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);

        var unknown = registry.Run("twin", "show", "nobody-style");
        Assert.Equal(ExitCodes.BadInput, unknown.ExitCode);
        Assert.Contains("nobody-style", unknown.Error);

        Assert.Equal(ExitCodes.Success, registry.Run("creator", "add", "ana").ExitCode);
        var duplicate = registry.Run("creator", "add", "ana");
        Assert.Equal(ExitCodes.BadInput, duplicate.ExitCode);
        Assert.Contains("ana", duplicate.Error);

        var badScope = registry.Run("creator", "consent", "ana", "--scope", "Everything!");
        Assert.Equal(ExitCodes.BadInput, badScope.ExitCode);
    }
}
