using Twinforge.Cli;

return CommandRunner.Invoke(TwinforgeCommands.CreateRoot(Console.In), args);
