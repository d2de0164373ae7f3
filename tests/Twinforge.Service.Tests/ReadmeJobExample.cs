#pragma warning disable OPENAI001 // the SDK marks its fine-tuning client experimental
using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Files;
using OpenAI.FineTuning;

namespace Twinforge.Service.Tests;

/// <summary>
/// The README's fine-tuning snippet, compiled and run by <see cref="JobsThroughTheSdkTests"/>: upload, fine-tune and
/// follow a job with the official SDK. The README shows it with the values a reader would write ("ana.jsonl", the base
/// model's name, Twinforge's settings); the test passes a tiny base and a few updates.
/// </summary>
internal static class ReadmeJobExample
{
    public static async Task<FineTuningJob> FineTuneAsync(OpenAIClient client, string path, string baseModel, object twinforge)
    {
        OpenAIFileClient files = client.GetOpenAIFileClient();
        FineTuningClient fineTuning = client.GetFineTuningClient();

        OpenAIFile file = await files.UploadFileAsync(path, FileUploadPurpose.FineTune);

        // The hosted API's request as JSON (the SDK's protocol method), Twinforge's own settings under "twinforge".
        FineTuningJob job = await fineTuning.FineTuneAsync(BinaryContent.Create(BinaryData.FromObjectAsJson(new
        {
            model = baseModel,                 // a base model registered with --base NAME=DIR
            training_file = file.Id,
            suffix = "ana-style",              // the twin's name
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 3 } } },
            twinforge,                         // e.g. new { recipe = new { lora = new { rank = 8 } }, set = new[] { "early_stopping.patience=5" } }
        })), waitUntilCompleted: false, new RequestOptions());

        while (!job.HasCompleted)                    // validating_files → queued → running → succeeded
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await job.UpdateStatusAsync();
        }
        await foreach (FineTuningEvent e in job.GetEventsAsync(new GetEventsOptions { PageSize = 10 }))   // newest first
            Console.WriteLine($"{e.CreatedAt:T} {e.Level,-5} {e.Message}");
        Console.WriteLine($"{job.Status}: {job.Value}");  // succeeded: creator-…/ana-style@1, the model to chat with
        return job;
    }
}
