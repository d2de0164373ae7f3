using System.CommandLine;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge chat --model DIR [--adapter DIR]</c>: an interactive conversation in the model's chat format.
/// Each line read is a user turn; the reply is printed and kept in the conversation. Lines starting with <c>/</c>
/// are commands, never sent to the model: <c>/help</c> lists them, <c>/reset</c> starts over, <c>/exit</c> (or end of
/// input) quits.
/// </summary>
public static class ChatCommand
{
    const string Commands = "/help lists these commands, /reset starts the conversation over, /exit quits";

    public static Command Create(TextReader input, Hub.HubSettings hub)
    {
        var model = new ModelArguments(hub);
        var system = new Option<string>("--system") { Description = "A system message that opens the conversation [default: none]" };
        var decoding = new GenerationOptionsBinder();
        var command = new Command("chat", "Talk with a model (or a twin: a base with --adapter) in its chat format; /reset starts over, /exit quits.") { system };
        model.AddTo(command);
        decoding.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var directory = model.ResolveDirectory(result, cancellationToken);
            using var loaded = model.Load(result, directory);
            var options = decoding.Bind(result, loaded.DefaultGenerationOptions, directory);
            var opening = result.GetValue(system) is string text ? new[] { new ChatMessage(ChatRole.System, text) } : [];
            var conversation = new List<ChatMessage>(opening);
            output.WriteLine($"Type a message; {Commands}.");
            while (true)
            {
                output.Write("you> ");
                output.Flush();
                var line = input.ReadLine();
                var typed = line?.Trim();
                if (typed is null || typed == "/exit") break;
                if (typed.Length == 0) continue;
                if (typed.StartsWith('/'))
                {
                    switch (typed)
                    {
                        case "/help":
                            output.WriteLine(Commands + ".");
                            break;
                        case "/reset":
                            conversation = new List<ChatMessage>(opening);
                            output.WriteLine(opening.Length > 0 ? "Conversation reset (the system message is kept)." : "Conversation reset.");
                            break;
                        default:
                            output.WriteLine($"Unknown command {typed}: {Commands}.");
                            break;
                    }
                    continue;
                }
                conversation.Add(new ChatMessage(ChatRole.User, line!));
                var reply = loaded.Chat(conversation, options);
                conversation.Add(new ChatMessage(ChatRole.Assistant, reply.Text));
                output.WriteLine($"twin> {reply.Text.Trim()}");
            }
            output.WriteLine();
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
