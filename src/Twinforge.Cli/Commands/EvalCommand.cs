using System.CommandLine;
using System.Globalization;
using Twinforge.Engine.Data;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge eval --model DIR [--adapter DIR] --data FILE</c>: the loss, perplexity and next-token accuracy of a
/// model on a dataset (a creator's held-out data, say), counted on the tokens training would count.
/// </summary>
public static class EvalCommand
{
    public static Command Create(Hub.HubSettings hub)
    {
        var model = new ModelArguments(hub);
        var data = new Option<FileInfo[]>("--data") { Description = "Data files (chat JSONL, prompt/completion JSONL or plain text)", Required = true, AllowMultipleArgumentsPerToken = true }
            .AcceptOnlyFiles("a data file", mustExist: true);
        var sequenceLength = new Option<int>("--sequence-length") { Description = "Tokens per sequence, at most the model's positions", DefaultValueFactory = _ => 512 }
            .AtLeast(2);
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per forward pass", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var separator = CommonOptions.PlainTextSeparator();
        var command = new Command("eval", "Measure a model's loss, perplexity and token accuracy on a dataset.") { data, sequenceLength, batchSize, separator };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            using var loaded = model.Load(result, model.ResolveDirectory(result, cancellationToken));
            var files = result.GetValue(data)!.Select(file => file.FullName).ToList();
            var prepared = TrainingData.Prepare(files, loaded.Tokenizer, new TrainingDataOptions
            {
                SequenceLength = Math.Min(result.GetValue(sequenceLength), loaded.Config.MaxPositions), ValidationFraction = 0,
                // Every token is scored: a document longer than a sequence is cut into sequences, none dropped.
                Overlong = OverlongPolicy.Split,
                PlainTextSeparator = result.GetValue(separator),
            });
            prepared.ThrowIfInvalid();
            var evaluation = Evaluation.Run(loaded.Network, prepared.Train, result.GetValue(batchSize));
            long targetBytes = BitsPerByte.TargetBytes(prepared.Train, loaded.Tokenizer);
            // Comparable across tokenizers, unlike the loss per token; not defined if every target is a special token.
            var bitsPerByte = targetBytes > 0
                ? string.Create(CultureInfo.InvariantCulture, $"  bits per byte {BitsPerByte.FromLoss(evaluation.Loss, evaluation.Targets, targetBytes):F4}")
                : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loss {evaluation.Loss:F4}  perplexity {evaluation.Perplexity:F3}{bitsPerByte}  token accuracy {evaluation.TokenAccuracy * 100:F2}%  over {evaluation.Targets:N0} target tokens ({targetBytes:N0} bytes)"));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
