using OpenAI;
using OpenAI.Files;

namespace Twinforge.Service.Tests;

/// <summary>The README's C# snippet, compiled and run by <see cref="FilesThroughTheSdkTests"/>: what a user of the official SDK writes.</summary>
internal static class ReadmeExample
{
    public static async Task<OpenAIFile> UploadAsync(OpenAIClient client, string path)
    {
        OpenAIFileClient files = client.GetOpenAIFileClient();

        // The key's default creator owns the upload; the file is checked like `twinforge data validate` checks it.
        OpenAIFile file = await files.UploadFileAsync(path, FileUploadPurpose.FineTune);
        Console.WriteLine($"{file.Id}: {file.Filename}, {file.SizeInBytes} bytes");

        foreach (OpenAIFile listed in (await files.GetFilesAsync()).Value)
            Console.WriteLine($"{listed.Id} {listed.Filename} {listed.CreatedAt:u}");
        BinaryData content = await files.DownloadFileAsync(file.Id);     // the file as stored
        Console.WriteLine(content.ToString().Split('\n')[0]);
        return file;
    }
}
