// Greedy continuation of a prompt by real llama.cpp (node-llama-cpp's prebuilt CPU binary), for Twinforge's GGUF tests
// and for comparing decoding speed on the same weights.
//
//   node greedy.mjs MODEL.gguf PROMPT MAX_NEW_TOKENS [--lora ADAPTER.gguf] [--prompt-ids 1,2,3] [--forced 4,5,6] [--context 256] [--ignore-eog] [--threads N]
//
// With --forced, a second pass also records llama.cpp's choice at each step while the given token is fed instead
// (teacher forcing, "forcedChoices"), so two models' next-token choices can be compared position by position along the
// same text. With --ignore-eog an end-of-generation token does not end the run (a model with random weights, timed for
// exactly MAX_NEW_TOKENS tokens). --threads sets llama.cpp's threads (default: node-llama-cpp's choice). Its threads
// wait for each other by spinning, so on a machine busy with other work more threads than free cores make each token
// take up to a second; the tests, which check tokens, not speed, use one.
//
// Prints one line of JSON: the prompt's token ids as llama.cpp tokenizes it (no bos: the export says add_bos false),
// the greedy tokens (temperature 0, no repetition penalty; an end-of-generation token ends the run and is included),
// their text, and the single-stream decoding speed: tokens/s of the generated tokens after the first (prompt
// processing excluded; promptSeconds is the prompt's evaluation and the first token).
import { getLlama } from "node-llama-cpp";

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const [value] = args.splice(index, 2).slice(1);
  return value;
};
const ignoreEog = args.includes("--ignore-eog");
if (ignoreEog) args.splice(args.indexOf("--ignore-eog"), 1);
const lora = option("--lora");
const promptIds = option("--prompt-ids");
const forced = option("--forced")?.split(",").map(Number);
const contextSize = Number(option("--context") ?? 256);
const threads = option("--threads");
const [modelPath, prompt, maxNewTokensText] = args;
if (!modelPath || prompt === undefined || !maxNewTokensText) {
  console.error("usage: node greedy.mjs MODEL.gguf PROMPT MAX_NEW_TOKENS [--lora ADAPTER.gguf] [--prompt-ids 1,2,3] [--forced 4,5,6] [--context N] [--ignore-eog] [--threads N]");
  process.exit(2);
}
const maxNewTokens = Number(maxNewTokensText);

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({
  contextSize,
  batchSize: contextSize,
  ...(threads ? { threads: Number(threads) } : {}),
  ...(lora ? { lora: { adapters: [{ filePath: lora, scale: 1 }] } } : {}),
});
const sequence = context.getSequence();
const promptTokens = promptIds ? promptIds.split(",").map(Number) : model.tokenize(prompt, false);

// Greedy from the prompt; with `forced`, llama.cpp's choice at each step while forced[i] is fed instead.
async function continuation(forcedTokens) {
  await sequence.clearHistory();
  const tokens = [];
  let firstTokenAt = 0;
  const started = performance.now();
  const generator = sequence.evaluate(promptTokens, { temperature: 0, yieldEogToken: true });
  const limit = forcedTokens ? forcedTokens.length : maxNewTokens;
  for (let step = await generator.next(); !step.done; ) {
    if (tokens.length === 0) firstTokenAt = performance.now();
    tokens.push(step.value);
    if (tokens.length >= limit || (!forcedTokens && !ignoreEog && model.isEogToken(step.value))) break;
    step = await generator.next(forcedTokens ? forcedTokens[tokens.length - 1] : undefined);
  }
  await generator.return();
  const decodeSeconds = (performance.now() - firstTokenAt) / 1000;
  return {
    tokens,
    promptSeconds: (firstTokenAt - started) / 1000,
    decodeTokensPerSecond: tokens.length > 1 && decodeSeconds > 0 ? (tokens.length - 1) / decodeSeconds : null,
  };
}

const greedy = await continuation(undefined);
const forcedChoices = forced ? (await continuation(forced)).tokens : undefined;
console.log(JSON.stringify({
  promptTokens,
  tokens: greedy.tokens,
  text: model.detokenize(greedy.tokens),
  promptSeconds: greedy.promptSeconds,
  decodeTokensPerSecond: greedy.decodeTokensPerSecond,
  ...(forcedChoices ? { forcedChoices } : {}),
}));
await context.dispose();
await model.dispose();
await llama.dispose();
