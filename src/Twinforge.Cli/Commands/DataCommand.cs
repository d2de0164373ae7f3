using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge data validate --data FILE...</c>: checks training data before any training, reporting every
/// problem with its file and line, the token counts and an estimate of the run. Exit code 2 when there are errors.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var data = new Option<FileInfo[]>("--data") { Description = "Data files (chat JSONL, prompt/completion JSONL or plain text)", Required = true, AllowMultipleArgumentsPerToken = true }
            .AcceptOnlyFiles("a data file", mustExist: true);
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "Whose tokenizer counts the tokens: a model directory, 'builtin' (the built-in base twins use by default; " +
                          "'builtin:SIZE' for another size), or 'bytes' for the byte-level tokenizer, which the service's upload check uses",
            DefaultValueFactory = _ => "bytes",
        };
        var overlong = new Option<OverlongPolicy>("--overlong")
        {
            Description = "What happens to an example longer than the sequence length: Drop, TruncateLeft or Split (recipe key data_options.overlong)",
            DefaultValueFactory = _ => OverlongPolicy.Drop,
        };
        var maxDropped = new Option<double>("--max-dropped-fraction")
        {
            Description = "The share of a file's examples that may be dropped for their length before it is an error; 1 allows any (recipe key data_options.max_dropped_fraction)",
            DefaultValueFactory = _ => DatasetOptions.DefaultMaxDroppedFraction,
        }.Fraction();
        var sequenceLength = new Option<int>("--sequence-length") { Description = "Tokens per training sequence", DefaultValueFactory = _ => DataValidation.DefaultSequenceLength }.AtLeast(2);
        var validationFile = new Option<FileInfo>("--validation") { Description = "A held-out file, validated too [default: hold out documents of the data]" }
            .AcceptOnlyFiles("a data file", mustExist: true);
        var validationFraction = new Option<double>("--validation-fraction") { Description = "Share of documents held out when there is no validation file, chosen as finetune chooses them " +
                          "(a seeded shuffle; a twin holds out by each example's content hash, so its count may differ by a few)", DefaultValueFactory = _ => DataValidation.DefaultValidationFraction }
            .Share();
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size for the run estimate", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var separator = CommonOptions.PlainTextSeparator();
        var format = new Option<DatasetFormat>("--format") { Description = "Data format, or Auto to detect per file", DefaultValueFactory = _ => DatasetFormat.Auto };
        var validate = new Command("validate", "Validate data files: every malformed line with file and line number, token counts and a run estimate.")
        {
            data, tokenizer, sequenceLength, validationFile, validationFraction, batchSize, format, overlong, maxDropped, separator,
        };
        var cache = CommonOptions.Cache();
        validate.Options.Add(cache);
        validate.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var tokenizerSource = result.GetValue(tokenizer)!;
            ITokenizer counting;
            if (File.Exists(tokenizerSource))
                throw new BadInputException($"--tokenizer: {Path.GetFullPath(tokenizerSource)} is a file; give the directory that holds tokenizer.json " +
                                            $"(a tokenizer's from 'tokenizer train', or a model's{(Path.GetFileName(tokenizerSource) == "tokenizer.json" ? $": here {Path.GetDirectoryName(Path.GetFullPath(tokenizerSource))}" : "")}), 'builtin' or 'bytes'");
            try
            {
                counting = tokenizerSource == "bytes" ? new ByteLevelTokenizer()
                    : TokenizerLoader.Load(ModelArguments.Resolve(tokenizerSource, CacheLocation.Resolve(result.GetValue(cache))));
            }
            catch (BadInputException error)
            {
                throw new BadInputException($"--tokenizer: {error.Message}", error);
            }
            // The same check the service runs on an upload (with these options at their defaults).
            var prepared = DataValidation.Prepare(result.GetValue(data)!.Select(file => file.FullName).ToList(), counting, DataValidation.DefaultOptions with
            {
                SequenceLength = result.GetValue(sequenceLength), ValidationFile = result.GetValue(validationFile)?.FullName,
                ValidationFraction = result.GetValue(validationFraction), Format = result.GetValue(format),
                Overlong = result.GetValue(overlong), MaxDroppedFraction = result.GetValue(maxDropped), PlainTextSeparator = result.GetValue(separator),
            });
            output.WriteLine(prepared.Report.Summary());
            if (!prepared.Report.IsValid) return ExitCodes.BadInput;
            var estimate = prepared.Estimate(result.GetValue(batchSize));
            output.WriteLine($"one epoch at batch size {estimate.BatchSize}: {estimate.OptimizerStepsPerEpoch} update{(estimate.OptimizerStepsPerEpoch == 1 ? "" : "s")}, {estimate.TokensPerEpoch:N0} tokens " +
                             $"({estimate.TrainableTokensPerEpoch:N0} trained on, {estimate.PaddingFraction * 100:F1}% padding)");
            return ExitCodes.Success;
        });
        return new Command("data", "Work with training data.") { validate };
    }
}
