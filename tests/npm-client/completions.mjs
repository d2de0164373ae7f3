// The official npm client (openai) with the legacy text completions API on twinforge serve: client.completions.create
// whole and streamed (with the usage), several prompts with n, and a refusal. Checks that the streamed text and usage
// equal the whole answer's; prints one JSON object of what it saw; exits 1 on any error or failed check.
// Environment: TWINFORGE_BASE_URL (…/v1), TWINFORGE_API_KEY, MODEL.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.TWINFORGE_BASE_URL, apiKey: process.env.TWINFORGE_API_KEY, maxRetries: 0 });
const model = process.env.MODEL;
const prompt = 'ana-style says spring';

try {
  const whole = await client.completions.create({ model, prompt, max_tokens: 12, temperature: 0 });
  let streamed = '';
  let finish;
  let usage;
  const stream = await client.completions.create({
    model, prompt, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'text_completion');
    for (const choice of chunk.choices) {
      streamed += choice.text;
      finish = choice.finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(streamed, whole.choices[0].text);
  assert.equal(finish, whole.choices[0].finish_reason);
  assert.deepEqual(usage, whole.usage);
  assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + whole.usage.completion_tokens);

  const several = await client.completions.create({ model, prompt: [prompt, 'spring'], n: 2, seed: 3, max_tokens: 4 });
  let refused;
  try {
    await client.completions.create({ model, prompt, echo: true });
  } catch (error) {
    refused = { status: error.status, param: error.param, code: error.code };
  }
  console.log(JSON.stringify({ whole, streamed, usage, indexes: several.choices.map((choice) => choice.index), refused }));
} catch (error) {
  console.error(JSON.stringify({ status: error.status, error: error.error ?? String(error) }));
  process.exit(1);
}
