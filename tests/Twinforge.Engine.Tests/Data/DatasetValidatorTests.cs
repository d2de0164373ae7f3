using Twinforge.Engine.Data;
using Twinforge.Engine.Tests.Tokenization;
using Twinforge.Engine.Tokenization;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

public sealed class DatasetValidatorTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static readonly string GoodChat = Exchange("Hi", "Hello!");
    static readonly string GoodPrompt = PromptCompletion("Say hi:", " hi");

    static DatasetProblem SingleError(ValidatedDataset dataset)
    {
        var error = Assert.Single(dataset.Report.Errors);
        Assert.False(dataset.Report.IsValid);
        Assert.Empty(dataset.Examples);
        return error;
    }

    [Theory]
    [InlineData("{\"messages\": [", DatasetProblemKind.InvalidJson, null, "is not valid JSON")]
    [InlineData("[1, 2]", DatasetProblemKind.NotAnObject, null, "expected a JSON object, found an array")]
    [InlineData("{\"conversation\": []}", DatasetProblemKind.MissingField, null, "has no \"messages\" list")]
    [InlineData("{\"messages\": \"hi\"}", DatasetProblemKind.WrongType, "messages", "expected a list of messages")]
    [InlineData("{\"messages\": [\"hi\", {\"role\": \"assistant\", \"content\": \"yo\"}]}", DatasetProblemKind.WrongType, "messages[0]", "expected a message")]
    [InlineData("{\"messages\": [{\"role\": \"bot\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
        DatasetProblemKind.UnknownRole, "messages[0].role", "the role is the string \"bot\": expected system, user or assistant")]
    [InlineData("{\"messages\": [{\"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", DatasetProblemKind.MissingField, "messages[0].role", "is missing")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"  \"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
        DatasetProblemKind.EmptyText, "messages[0].content", "is empty")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": 42}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
        DatasetProblemKind.NotAString, "messages[0].content", "expected a string, found 42")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", DatasetProblemKind.MissingField, "messages[0].content", "is missing")]
    [InlineData("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"hi\"}]}",
        DatasetProblemKind.NoAssistantTurn, null, "has no assistant message")]
    [InlineData("{\"messages\": []}", DatasetProblemKind.NoAssistantTurn, "messages", "empty")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\", \"weight\": 2}]}",
        DatasetProblemKind.InvalidWeight, "messages[1].weight", "expected 0 or 1, found 2")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\", \"weight\": true}]}",
        DatasetProblemKind.InvalidWeight, "messages[1].weight", "expected 0 or 1, found true")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\", \"weight\": 1}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
        DatasetProblemKind.InvalidWeight, "messages[0].weight", "only allowed on assistant messages")]
    // An escape of half a surrogate pair parses as JSON but is no text: it threw from the reader (exit 1, a 500 upload).
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi \\ud800\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
        DatasetProblemKind.InvalidJson, "messages[0].content", "is not valid Unicode text: it holds a \\uD800–\\uDFFF escape that is not half of a pair")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"\\udc00 yo\"}]}",
        DatasetProblemKind.InvalidJson, "messages[1].content", "lone surrogate")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\", \"na\\ud800me\": 1}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
        DatasetProblemKind.InvalidJson, null, "a name is not valid Unicode text")]
    public void A_malformed_chat_line_is_reported_with_its_line_and_reason(string badLine, DatasetProblemKind kind, string? field, string reason)
    {
        var path = _temporary.Write("chats.jsonl", GoodChat, GoodChat, badLine, GoodChat);

        var error = SingleError(Validate(path));

        Assert.Equal((path, 3L, kind, field), (error.FilePath, error.Line, error.Kind, error.Field));
        Assert.Contains(reason, error.Reason);
        Assert.StartsWith($"{path}:3: ", error.ToString());
    }

    [Fact]
    public void A_conversation_the_models_own_template_refuses_is_reported_with_its_line_and_the_templates_words()
    {
        // Gemma 2's published template raises on a system message; the other lines are fine for it.
        var gemma = TokenizerLoader.Load(TinyTokenizerFiles.WriteByteLevelWithTemplate(_temporary.Sub("gemma"),
            ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"], "<bos>", "<eos>", TinyTokenizerFiles.PublishedTemplate("gemma-2-it.jinja")));
        var withSystem = "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"hi\"}, " +
                         "{\"role\": \"assistant\", \"content\": \"yo\"}]}";
        var path = _temporary.Write("chats.jsonl", GoodChat, withSystem, GoodChat);

        var dataset = DatasetValidator.Validate([path], gemma, Options());

        var error = Assert.Single(dataset.Report.Errors);
        Assert.Equal((path, 2L, DatasetProblemKind.ChatTemplateRefused, "messages"), (error.FilePath, error.Line, error.Kind, error.Field));
        Assert.Contains("System role not supported", error.Reason);
    }

    [Theory]
    [InlineData("{\"completion\": \" hi\"}", DatasetProblemKind.MissingField, "prompt", "has no \"prompt\"")]
    [InlineData("{\"prompt\": \"Say hi:\"}", DatasetProblemKind.MissingField, "completion", "has no \"completion\"")]
    [InlineData("{\"prompt\": \"\", \"completion\": \" hi\"}", DatasetProblemKind.EmptyText, "prompt", "is empty")]
    [InlineData("{\"prompt\": \"Say hi:\", \"completion\": \" \"}", DatasetProblemKind.EmptyText, "completion", "is empty")]
    [InlineData("{\"prompt\": [\"Say hi:\"], \"completion\": \" hi\"}", DatasetProblemKind.NotAString, "prompt", "expected a string, found an array")]
    [InlineData("{\"prompt\": \"Say hi:\", \"completion\": null}", DatasetProblemKind.NotAString, "completion", "expected a string, found null")]
    [InlineData("{\"prompt\": \"Say hi:\" \"completion\": \" hi\"}", DatasetProblemKind.InvalidJson, null, "is not valid JSON")]
    [InlineData("{\"prompt\": \"Say hi:\", \"completion\": \" hi \\ud83d\"}", DatasetProblemKind.InvalidJson, "completion", "lone surrogate")]
    public void A_malformed_prompt_completion_line_is_reported_with_its_line_and_reason(string badLine, DatasetProblemKind kind, string? field, string reason)
    {
        var path = _temporary.Write("pairs.jsonl", GoodPrompt, GoodPrompt, badLine);

        var error = SingleError(Validate(path));

        Assert.Equal((path, 3L, kind, field), (error.FilePath, error.Line, error.Kind, error.Field));
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Every_problem_of_a_line_is_reported()
    {
        var path = _temporary.Write("chats.jsonl", GoodChat,
            "{\"messages\": [{\"role\": \"bot\", \"content\": \"\"}, {\"role\": \"assistant\", \"content\": 3, \"weight\": 5}]}");

        var errors = Validate(path).Report.Errors;

        Assert.Equal(
            [DatasetProblemKind.UnknownRole, DatasetProblemKind.EmptyText, DatasetProblemKind.NotAString, DatasetProblemKind.InvalidWeight],
            errors.Select(error => error.Kind));
        Assert.All(errors, error => Assert.Equal(2L, error.Line));
    }

    [Fact]
    public void A_line_that_is_not_utf8_is_reported_not_decoded_as_replacement_characters()
    {
        var path = _temporary.File("posts.txt");
        File.WriteAllBytes(path, [.. "fine\n\nbroken "u8, 0xC3, 0x28, .. "\n\nfine again\n"u8]);

        var validated = Validate(path);
        var error = SingleError(validated);

        Assert.Equal((DatasetProblemKind.InvalidUtf8, 3L), (error.Kind, error.Line));
        Assert.EndsWith("1 error, 0 warnings", validated.Report.Summary());
    }

    [Fact]
    public void A_file_in_another_encoding_lists_its_first_ten_bad_lines_then_counts_the_rest_in_one_problem()
    {
        var latin1 = _temporary.File("latin1.txt");
        File.WriteAllBytes(latin1, [.. Enumerable.Range(0, 25).SelectMany(i => (byte[])[.. "caf"u8, 0xE9, (byte)'\n'])]);

        var errors = Validate(latin1).Report.Errors.Where(error => error.Kind == DatasetProblemKind.InvalidUtf8).ToList();

        Assert.Equal(11, errors.Count);
        Assert.Equal(Enumerable.Range(1, 11).Select(line => (long?)line), errors.Select(error => error.Line));
        Assert.Contains("is the first of 15 more lines that are not valid UTF-8 text (only the first 10 are listed)", errors[^1].Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n   \n\t\n")]
    public void An_empty_file_is_an_error_naming_the_file(string content)
    {
        var path = _temporary.File("empty.jsonl");
        File.WriteAllText(path, content);

        var error = SingleError(Validate(path));

        Assert.Equal((path, (long?)null, DatasetProblemKind.EmptyFile), (error.FilePath, error.Line, error.Kind));
        Assert.Contains("is empty", error.ToString());
    }

    [Fact]
    public void A_file_with_no_usable_example_is_an_error_naming_the_file_besides_its_bad_lines()
    {
        var path = _temporary.Write("chats.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "not json");

        var errors = Validate(path).Report.Errors;

        Assert.Equal([DatasetProblemKind.NoAssistantTurn, DatasetProblemKind.InvalidJson, DatasetProblemKind.NoUsableExamples], errors.Select(e => e.Kind));
        Assert.Equal([1L, 2L, null], errors.Select(e => e.Line));
        Assert.Contains("has no usable examples", errors[2].ToString());
        Assert.Equal(path, errors[2].FilePath);
    }

    [Fact]
    public void A_missing_file_is_reported_not_thrown()
    {
        var path = _temporary.File("nowhere.jsonl");

        var error = SingleError(Validate(path));

        Assert.Equal((path, DatasetProblemKind.Unreadable), (error.FilePath, error.Kind));
    }

    [Fact]
    public void A_directory_is_reported_as_a_directory_not_as_a_permission_problem()
    {
        var path = Directory.CreateDirectory(_temporary.File("chats")).FullName;

        var error = SingleError(Validate(path));

        Assert.Equal((path, DatasetProblemKind.Unreadable), (error.FilePath, error.Kind));
        Assert.Equal($"{path}: is a directory, not a data file", error.ToString());
    }

    [Fact]
    public void A_json_lines_file_of_unknown_objects_says_it_cannot_tell_the_format()
    {
        var path = _temporary.Write("notes.jsonl", "{\"text\": \"hello\"}", GoodChat);

        var error = SingleError(Validate(path));

        Assert.Equal((DatasetProblemKind.UnknownFormat, 1L), (error.Kind, error.Line));
        Assert.Null(Assert.Single(Validate(path).Report.Files).Format);
    }

    [Fact]
    public void ThrowIfInvalid_names_the_first_bad_file_and_line_and_the_count()
    {
        var good = _temporary.Write("a.jsonl", GoodChat);
        var bad = _temporary.Write("b.jsonl", GoodChat, "oops", GoodChat, "{\"messages\": 1}");
        var dataset = DatasetValidator.Validate([good, bad], Tokenizer, Options());

        var error = Assert.Throws<InputFileException>(dataset.Report.ThrowIfInvalid);

        Assert.Equal((bad, 2L), (error.FilePath, error.Line));
        Assert.StartsWith($"{bad}:2: is not valid JSON", error.Message);
        Assert.Contains("first of 2 errors", error.Message);
    }

    [Fact]
    public void ThrowIfInvalid_passes_with_warnings_only()
    {
        var path = _temporary.Write("posts.txt", "short", "", new string('x', 40));

        var report = Validate(path, Options(sequenceLength: 16) with { MaxDroppedFraction = 0.5 }).Report;

        Assert.True(report.IsValid);
        Assert.Single(report.Warnings);
        report.ThrowIfInvalid();
    }

    [Fact]
    public void Nothing_is_produced_for_training_when_there_are_errors()
    {
        var path = _temporary.Write("chats.jsonl", GoodChat, GoodChat, GoodChat, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");

        var dataset = Validate(path);
        var data = TrainingData.Prepare([path], Tokenizer, new TrainingDataOptions { SequenceLength = 64 });

        Assert.Empty(dataset.Examples);
        Assert.False(data.IsValid);
        Assert.Null(data.Train);
        Assert.Null(data.Validation);
        Assert.Equal(3, data.Report.Statistics.Documents + data.Report.HeldOutStatistics!.Documents);  // counted, never packed
        var error = Assert.Throws<InputFileException>(() => data.TrainBatches(batchSize: 2));
        Assert.Equal(4L, error.Line);
    }

    [Fact]
    public void Overlong_examples_are_dropped_by_default_and_reported()
    {
        var path = _temporary.Write("posts.txt", "short", "", new string('x', 40), "", "also short");

        var dataset = Validate(path, Options(sequenceLength: 16) with { MaxDroppedFraction = 0.5 });

        var warning = Assert.Single(dataset.Report.Warnings);
        Assert.Equal((DatasetProblemKind.TooLong, 3L), (warning.Kind, warning.Line));
        Assert.Contains("has 41 tokens, more than the sequence length of 16: dropped", warning.Reason);
        int[][] expected = [[.. Bytes("short"), Eos], [.. Bytes("also short"), Eos]];
        Assert.Equal(expected, dataset.Examples.Select(example => example.Ids));
        Assert.Equal([0, 1], dataset.Examples.Select(example => example.Document));
    }

    [Fact]
    public void Dropping_more_than_the_allowed_share_of_a_file_is_an_error_that_says_how_much_and_why()
    {
        var lines = Enumerable.Range(0, 10).SelectMany(i => new[] { i < 3 ? new string('x', 40) : $"short {i}", "" }).ToArray();
        var path = _temporary.Write("posts.txt", lines);

        var refused = Validate(path, Options(sequenceLength: 16));

        var error = Assert.Single(refused.Report.Errors);
        Assert.Equal((DatasetProblemKind.TooManyDropped, path), (error.Kind, error.FilePath));
        Assert.Contains("3 of its 10 examples (30%) are longer than the sequence length of 16 tokens", error.Reason);
        Assert.Contains("more than the 10% allowed", error.Reason);
        Assert.Contains("max_dropped_fraction", error.Reason);
        Assert.Equal(new OverlongCounts(10, 3, 0, 0, 41), refused.Report.Files.Single().Overlong);

        // Allowed explicitly, it is a run that says what it left out.
        var allowed = Validate(path, Options(sequenceLength: 16) with { MaxDroppedFraction = 0.5 });
        Assert.True(allowed.Report.IsValid);
        Assert.Equal(7, allowed.Examples.Count);
        var notice = Assert.Single(allowed.Report.DataLossNotices());
        Assert.Equal($"{path}: 3 of 10 examples are longer than the sequence length of 16 tokens (the longest has 41): 3 were dropped", notice);
    }

    [Fact]
    public void Truncated_and_split_examples_are_counted_and_only_cut_ones_are_notices()
    {
        var path = _temporary.Write("posts.txt", "short", "", new string('x', 40), "", "also short");

        var truncated = Validate(path, Options(sequenceLength: 16, overlong: OverlongPolicy.TruncateLeft));
        var split = Validate(path, Options(sequenceLength: 16, overlong: OverlongPolicy.Split));

        Assert.Equal(new OverlongCounts(3, 0, 1, 0, 41), truncated.Report.Overlong);
        Assert.Contains("1 was truncated to their last 16 tokens", Assert.Single(truncated.Report.DataLossNotices()));
        Assert.Equal(new OverlongCounts(3, 0, 0, 1, 41), split.Report.Overlong);
        Assert.Empty(split.Report.DataLossNotices()); // split documents are trained whole, in pieces
        Assert.Contains("1 of 3 over 16 tokens (0 dropped, 0 truncated, 1 split)", split.Report.Summary());
    }

    [Fact]
    public void Overlong_examples_can_be_truncated_from_the_left_keeping_their_end()
    {
        var conversation = Exchange("Tell me everything about the weather today.", "Rain.");
        var path = _temporary.Write("chats.jsonl", conversation);
        var full = ChatMl(("user", "Tell me everything about the weather today.", false), ("assistant", "Rain.", true));

        var dataset = Validate(path, Options(sequenceLength: 24, overlong: OverlongPolicy.TruncateLeft));

        var example = Assert.Single(dataset.Examples);
        Assert.Equal(full.Ids[^24..], example.Ids);
        Assert.Equal(full.Trainable[^24..], example.Trainable);
        Assert.Contains($"has {full.Ids.Length} tokens, more than the sequence length of 24: truncated to its last 24 tokens",
            Assert.Single(dataset.Report.Warnings).Reason);
    }

    [Fact]
    public void Overlong_examples_can_be_split_into_pieces_of_one_document()
    {
        var text = new string('y', 40);
        var path = _temporary.Write("letters.txt", "intro", "", text);

        var dataset = Validate(path, Options(sequenceLength: 16, overlong: OverlongPolicy.Split));

        int[] document = [.. Bytes(text), Eos];
        int[][] expected = [[.. Bytes("intro"), Eos], document[..16], document[16..32], document[32..]];
        Assert.Equal(expected, dataset.Examples.Select(example => example.Ids));
        Assert.Equal([0, 1, 1, 1], dataset.Examples.Select(example => example.Document));
        Assert.Equal(2, dataset.Report.Statistics.Documents);
        Assert.Equal(4, dataset.Report.Statistics.Examples);
        Assert.Contains("split into 3 pieces", Assert.Single(dataset.Report.Warnings).Reason);
    }

    [Fact]
    public void When_every_example_is_too_long_the_file_has_no_usable_examples()
    {
        var path = _temporary.Write("posts.txt", new string('z', 30));

        var report = Validate(path, Options(sequenceLength: 8)).Report;

        Assert.Equal([DatasetProblemKind.TooLong, DatasetProblemKind.NoUsableExamples], report.Problems.Select(problem => problem.Kind));
        Assert.False(report.IsValid);
        // The error says why there is nothing left, not only that.
        Assert.StartsWith("has no usable examples: every example is longer than the sequence length of 8 tokens (the longest has 31)", report.Errors.Single().Reason);
    }

    [Fact]
    public void A_conversation_whose_every_reply_has_weight_zero_is_skipped_with_a_warning()
    {
        var untrained = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\", \"weight\": 0}]}";
        var path = _temporary.Write("chats.jsonl", GoodChat, untrained);

        var dataset = Validate(path);

        var warning = Assert.Single(dataset.Report.Warnings);
        Assert.Equal((DatasetProblemKind.NoTrainableTokens, 2L), (warning.Kind, warning.Line));
        Assert.Contains("weight 0", warning.Reason);
        Assert.Single(dataset.Examples);
    }

    [Fact]
    public void The_format_is_detected_per_file_and_can_be_overridden()
    {
        var chat = _temporary.Write("chats.jsonl", "", "not json", GoodChat);
        var pairs = _temporary.Write("pairs.json", GoodPrompt);
        var notes = _temporary.Write("notes.md", "# Notes", "", "Some text.");
        var other = _temporary.Write("transcript", "Hello there.");

        var detected = DatasetValidator.Validate([chat, pairs, notes, other], Tokenizer, Options()).Report.Files;
        var overridden = DatasetValidator.Validate([pairs], Tokenizer, Options(format: DatasetFormat.PlainText));

        Assert.Equal([DatasetFormat.Chat, DatasetFormat.PromptCompletion, DatasetFormat.PlainText, DatasetFormat.PlainText],
            detected.Select(file => file.Format));
        Assert.Equal([.. Bytes(GoodPrompt), Eos], Assert.Single(overridden.Examples).Ids);
    }

    [Fact]
    public void Statistics_count_documents_examples_and_tokens()
    {
        var path = _temporary.Write("posts.txt", "ab", "", "cde", "", "f");

        var statistics = Validate(path).Report.Statistics;

        // Documents "ab", "cde", "f" each end with eos: 3, 4 and 2 tokens; every token after a document's first is a target.
        Assert.Equal(new DatasetStatistics(Documents: 3, Examples: 3, TotalTokens: 9, TrainableTokens: 6, MinTokens: 2, MeanTokens: 3, MaxTokens: 4),
            statistics);
    }

    [Fact]
    public void The_run_estimate_matches_what_packing_and_batching_produce()
    {
        var lines = Enumerable.Range(0, 23).Select(i => Exchange($"Question number {i}?", new string('a', 5 + 7 * i % 40))).ToArray();
        var path = _temporary.Write("chats.jsonl", lines);
        foreach (bool packing in new[] { true, false })
        {
            var data = TrainingData.Prepare([path], Tokenizer,
                new TrainingDataOptions { SequenceLength = 128, Packing = packing, ValidationFraction = 0 });
            data.ThrowIfInvalid();

            var estimate = data.Estimate(batchSize: 4, gradientAccumulationSteps: 2);

            Assert.Equal(data.Train.Count, estimate.Sequences);
            Assert.Equal(data.TrainBatches(batchSize: 4).BatchesPerEpoch, estimate.BatchesPerEpoch);
            Assert.Equal((estimate.BatchesPerEpoch + 1) / 2, estimate.OptimizerStepsPerEpoch);
            Assert.Equal(data.Train.Count * 128L, estimate.TokensPerEpoch);
            Assert.Equal(data.Train.TrainableTargets, estimate.TrainableTokensPerEpoch);
            Assert.Equal(1 - (double)data.Train.TokenCount / estimate.TokensPerEpoch, estimate.PaddingFraction, 12);
        }
    }
}
