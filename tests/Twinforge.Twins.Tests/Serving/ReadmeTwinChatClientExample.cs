using Microsoft.Extensions.AI;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Twins.Serving;

namespace Twinforge.Twins.Tests.Serving;

/// <summary>
/// The README's in-process snippet, compiled and run by <see cref="TwinChatClientTests"/>; the test also checks that
/// the README still shows these lines (between the markers below).
/// </summary>
internal static class ReadmeTwinChatClientExample
{
    public static async Task<ChatResponse> AskAsync(string registryPath, string artifactsPath, string servedPath)
    {
        // readme:begin
        using var registry = TwinRegistry.Open(registryPath);          // the CLI's: ~/.local/share/twinforge/registry.db
        var store = new LocalArtifactStore(artifactsPath);             // … and the artifacts directory beside it
        using var served = new ServedModels(registry, store, servedPath); // one per process: bases, adapters, batches
        var ana = new ModelResolver(registry).Resolve("ana-style", registry.ListCreators());

        IChatClient twin = new TwinChatClient(served, ana);
        ChatResponse reply = await twin.GetResponseAsync("The printer is on fire again.",
            new ChatOptions { Temperature = 0.7f, MaxOutputTokens = 60, Seed = 1 });
        Console.WriteLine($"{reply.ModelId}: {reply.Text}");
        await foreach (ChatResponseUpdate update in twin.GetStreamingResponseAsync("And the coffee machine?"))
            Console.Write(update.Text);
        // readme:end
        return reply;
    }
}
