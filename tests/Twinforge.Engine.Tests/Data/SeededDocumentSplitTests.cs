using Twinforge.Engine.Data;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

public sealed class SeededDocumentSplitTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void The_split_is_deterministic_for_a_seed_and_differs_for_another()
    {
        var first = SeededDocumentSplit.ByDocument(40, 0.25, seed: 11);
        var again = SeededDocumentSplit.ByDocument(40, 0.25, seed: 11);
        var other = SeededDocumentSplit.ByDocument(40, 0.25, seed: 12);

        Assert.Equal(first.Validation, again.Validation);
        Assert.Equal(first.Train, again.Train);
        Assert.NotEqual(first.Validation, other.Validation);
    }

    [Fact]
    public void The_sides_are_disjoint_cover_every_document_and_have_the_requested_size()
    {
        var split = SeededDocumentSplit.ByDocument(40, 0.25, seed: 3);

        Assert.Equal(10, split.Validation.Count);
        Assert.Empty(split.Train.Intersect(split.Validation));
        Assert.Equal(Enumerable.Range(0, 40), split.Train.Concat(split.Validation).Order());
        Assert.Equal(split.Validation.Order(), split.Validation);
    }

    [Theory]
    [InlineData(2, 0.1, 1)]
    [InlineData(3, 0.01, 1)]
    [InlineData(2, 0.9, 1)]
    [InlineData(10, 0.95, 9)]
    [InlineData(10, 0.25, 3)]
    public void Each_side_gets_at_least_one_document(int documents, double fraction, int heldOut)
    {
        var split = SeededDocumentSplit.ByDocument(documents, fraction, seed: 1);

        Assert.Equal(heldOut, split.Validation.Count);
        Assert.Equal(documents - heldOut, split.Train.Count);
    }

    [Fact]
    public void One_document_cannot_be_split()
    {
        var error = Assert.Throws<ArgumentException>(() => SeededDocumentSplit.ByDocument(1, 0.1, seed: 1));
        Assert.Contains("at least 2", error.Message);
        Assert.Single(SeededDocumentSplit.ByDocument(1, 0, seed: 1).Train);
    }

    [Fact]
    public void Training_data_with_one_document_asks_for_more_or_a_validation_file()
    {
        var path = _temporary.Write("chats.jsonl", Exchange("Hi", "Hello!"));

        var data = TrainingData.Prepare([path], Tokenizer, new TrainingDataOptions { SequenceLength = 64 });

        var error = Assert.Single(data.Report.Errors);
        Assert.Equal((path, DatasetProblemKind.TooFewDocuments), (error.FilePath, error.Kind));
        Assert.Contains("give a validation file", error.Reason);
        Assert.Null(data.Train);
    }

    [Fact]
    public void Folds_are_disjoint_cover_every_document_once_and_differ_in_size_by_at_most_one()
    {
        var folds = Enumerable.Range(0, 3).Select(index => SeededDocumentSplit.ByFold(20, new DataFold(index, 3), seed: 4)).ToList();

        Assert.Equal(Enumerable.Range(0, 20), folds.SelectMany(fold => fold.Validation).Order());
        Assert.All(folds, fold => Assert.Equal(Enumerable.Range(0, 20), fold.Train.Concat(fold.Validation).Order()));
        Assert.Equal([7, 7, 6], folds.Select(fold => fold.Validation.Count));
        Assert.Equal(folds[1].Validation, SeededDocumentSplit.ByFold(20, new DataFold(1, 3), seed: 4).Validation);
        Assert.NotEqual(folds[1].Validation, SeededDocumentSplit.ByFold(20, new DataFold(1, 3), seed: 5).Validation);
        Assert.Throws<ArgumentException>(() => SeededDocumentSplit.ByFold(2, new DataFold(0, 3), seed: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeededDocumentSplit.ByFold(20, new DataFold(3, 3), seed: 4));
    }

    [Fact]
    public void A_validation_file_that_is_the_training_data_is_an_error_and_a_partial_overlap_a_warning_the_run_says()
    {
        var training = _temporary.Write("train.jsonl", [.. Enumerable.Range(0, 6).Select(i => Exchange($"Question {i}?", $"Answer {i}."))]);
        var options = new TrainingDataOptions { SequenceLength = 64 };

        var same = TrainingData.Prepare([training], Tokenizer, options with { ValidationFile = training });
        var error = Assert.Single(same.Report.Errors);
        Assert.Equal((training, DatasetProblemKind.HeldOutIsTrainingData), (error.FilePath, error.Kind));
        Assert.Contains("every one of its 6 examples is also in the training data", error.Reason);
        Assert.Null(same.Train);

        var partly = _temporary.Write("held.jsonl", Exchange("Question 2?", "Answer 2."), Exchange("Something new?", "A new answer."));
        var overlapping = TrainingData.Prepare([training], Tokenizer, options with { ValidationFile = partly });
        Assert.True(overlapping.IsValid);
        var warning = Assert.Single(overlapping.Report.Warnings);
        Assert.Equal(DatasetProblemKind.HeldOutOverlapsTraining, warning.Kind);
        Assert.Contains($"{partly}: 1 of its 2 examples are also in the training data", Assert.Single(overlapping.Report.RunNotices()));
        // A labelled file (a twin's scratch held-out part) is named by its label, the creator's files, not its path.
        var labelled = TrainingData.Prepare([training], Tokenizer, options with
        {
            ValidationFile = partly, FileLabels = new Dictionary<string, string> { [partly] = "the held-out part of ana-q2.jsonl" },
        });
        Assert.Contains("the held-out part of ana-q2.jsonl: 1 of its 2 examples are also in the training data", Assert.Single(labelled.Report.RunNotices()));

        var apart = TrainingData.Prepare([training], Tokenizer, options with { ValidationFile = _temporary.Write("new.jsonl", Exchange("Something new?", "A new answer.")) });
        Assert.Empty(apart.Report.Problems);
    }

    [Fact]
    public void Chat_json_lines_in_a_txt_file_are_read_as_plain_text_with_a_warning_the_run_says()
    {
        var lines = Enumerable.Range(0, 4).Select(i => Exchange($"Question {i}?", $"Answer {i}.")).ToArray();
        var misnamed = _temporary.Write("chats.txt", lines);

        var data = TrainingData.Prepare([misnamed], Tokenizer, new TrainingDataOptions { SequenceLength = 1024, ValidationFraction = 0 });

        var warning = Assert.Single(data.Report.Warnings);
        Assert.Equal((DatasetProblemKind.LooksLikeJsonLines, 1L), (warning.Kind, warning.Line));
        Assert.Contains("look like chat JSON Lines: name it .jsonl", warning.Reason);
        Assert.Contains($"{misnamed}:1: reads as plain text", Assert.Single(data.Report.RunNotices()));
        Assert.Empty(TrainingData.Prepare([_temporary.Write("prose.txt", "A plain paragraph of prose.", "", "Another one.")], Tokenizer,
            new TrainingDataOptions { SequenceLength = 256, ValidationFraction = 0 }).Report.Problems);
    }

    [Fact]
    public void Training_data_holds_out_its_fold_and_says_when_there_are_fewer_documents_than_folds()
    {
        var path = _temporary.Write("chats.jsonl", [.. Enumerable.Range(0, 9).Select(i => Exchange($"Question {i}?", $"Answer {i}."))]);
        var options = new TrainingDataOptions { SequenceLength = 64, Seed = 2 };

        var held = Enumerable.Range(0, 3).Select(index => TrainingData.Prepare([path], Tokenizer, options with { Fold = new DataFold(index, 3) })).ToList();

        Assert.All(held, data => Assert.Equal((6, 3), (data.Report.Statistics.Documents, data.Report.HeldOutStatistics!.Documents)));
        var tooFew = TrainingData.Prepare([_temporary.Write("two.jsonl", Exchange("Hi", "Hello!"), Exchange("Bye", "Goodbye!"))], Tokenizer,
            options with { Fold = new DataFold(0, 3) });
        var error = Assert.Single(tooFew.Report.Errors);
        Assert.Equal(DatasetProblemKind.TooFewDocuments, error.Kind);
        Assert.Contains("3 cross-validation folds", error.Reason);
    }

    [Fact]
    public void Pieces_of_a_split_document_stay_on_one_side()
    {
        var examples = Enumerable.Range(0, 30).SelectMany(document => Enumerable.Range(0, 1 + document % 3).Select(piece => Example(document, 4, document * 10 + piece))).ToList();

        var (train, validation) = SeededDocumentSplit.ByDocument(30, 0.3, seed: 5).Apply(examples);

        Assert.Equal(examples.Count, train.Count + validation.Count);
        Assert.Empty(train.Select(example => example.Document).Intersect(validation.Select(example => example.Document)));
        Assert.Equal(9, validation.Select(example => example.Document).Distinct().Count());
    }

    [Fact]
    public void Prepared_data_holds_out_whole_conversations()
    {
        var conversations = Enumerable.Range(0, 12)
            .Select(i => Chat(("user", $"Question {i}?"), ("assistant", $"Answer {i}."), ("user", "And then?"), ("assistant", $"Then {i}.")))
            .ToArray();
        var path = _temporary.Write("chats.jsonl", conversations);
        var options = new TrainingDataOptions { SequenceLength = 256, ValidationFraction = 0.25, Seed = 9 };

        var data = TrainingData.Prepare([path], Tokenizer, options);
        data.ThrowIfInvalid();

        var rendered = Enumerable.Range(0, 12).Select(i => Tokenizer.Decode(ChatMl(
            ("user", $"Question {i}?", false), ("assistant", $"Answer {i}.", true), ("user", "And then?", false), ("assistant", $"Then {i}.", true)).Ids)).ToList();
        var train = Documents(data.Train);
        var held = Documents(data.Validation);
        Assert.Equal(3, held.Count);
        Assert.Equal(rendered.Order(), train.Concat(held).Order());  // every conversation whole, exactly once
        Assert.Empty(train.Intersect(held));
        Assert.Equal(held, Documents(TrainingData.Prepare([path], Tokenizer, options).Validation!));
        Assert.Equal(3, data.Report.HeldOutStatistics!.Documents);
        Assert.Equal(9, data.Report.Statistics.Documents);
    }

    [Fact]
    public void A_validation_file_is_used_instead_of_a_split()
    {
        var train = _temporary.Write("train.txt", "one", "", "two", "", "three");
        var held = _temporary.Write("held.txt", "four");

        var data = TrainingData.Prepare([train], Tokenizer, new TrainingDataOptions { SequenceLength = 64, ValidationFile = held });
        data.ThrowIfInvalid();

        Assert.Equal(["one<|endoftext|>", "two<|endoftext|>", "three<|endoftext|>"], Documents(data.Train));
        Assert.Equal(["four<|endoftext|>"], Documents(data.Validation));
        Assert.Equal([train, held], data.Report.Files.Select(file => file.Path));
    }

    /// <summary>The text of every document in the packed sequences.</summary>
    static List<string> Documents(PackedDataset data) =>
        data.Sequences.SelectMany(sequence => sequence.DocumentIds.Distinct().Where(document => document >= 0)
                .Select(document => Tokenizer.Decode(sequence.InputIds.Where((_, t) => sequence.DocumentIds[t] == document))))
            .ToList();
}
