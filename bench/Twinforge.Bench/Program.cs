using Twinforge.Bench;
using Twinforge.Engine.Models;

// twinforge-bench training [hidden] [layers] [batch] [sequence] [steps]
// Prints training throughput in float32 and bfloat16 mixed precision for a byte-level Llama-style model.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: twinforge-bench training [hidden=256] [layers=4] [batch=16] [sequence=256] [steps=10] [--mask]");
    Console.WriteLine("       twinforge-bench trainer TEXT_FILE [steps=12] [--no-packing]   (e.g. ~/.cache/twinforge/corpora/general-english.txt)");
    return 0;
}
switch (args[0])
{
    case "training":
        int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index]) : fallback;
        int hidden = Arg(1, 256), layers = Arg(2, 4);
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: hidden, layerCount: layers, headCount: Math.Max(1, hidden / 64),
            keyValueHeadCount: Math.Max(1, hidden / 128), intermediateSize: hidden * 8 / 3 / 16 * 16, maxPositions: 1024);
        TrainingThroughput.Run(config, batchSize: Arg(3, 16), sequenceLength: Arg(4, 256), steps: Arg(5, 10), documentMask: args.Contains("--mask"), Console.Out);
        return 0;
    case "trainer":
        // The built-in base model's shape on a real corpus, through the whole trainer.
        var shape = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 192, layerCount: 4, headCount: 3, keyValueHeadCount: 1,
            intermediateSize: 512, maxPositions: 1024, tieWordEmbeddings: true);
        TrainerThroughput.Run(args[1], shape, batchSize: 16, sequenceLength: 256, steps: args.Length > 2 && int.TryParse(args[2], out var n) ? n : 12,
            packing: !args.Contains("--no-packing"), Console.Out);
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'; run with --help");
        return 2;
}
