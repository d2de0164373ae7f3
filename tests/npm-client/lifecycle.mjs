// The official npm client (openai) through a twin's whole life on twinforge serve: upload a creator's chat data,
// fine-tune a base on it, follow the job's events until it ends, then talk to the new twin, whole and streamed.
// Only the base URL and the key differ from the hosted API. Prints one JSON object of what it saw; exits 1 on any
// error. Environment: TWINFORGE_BASE_URL (…/v1), TWINFORGE_API_KEY, DATA_FILE, BASE_MODEL, and optionally
// TWINFORGE_JOB_EXTENSION (a JSON object sent as the job's "twinforge" settings, e.g. a short training for tests).
import fs from 'node:fs';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.TWINFORGE_BASE_URL, apiKey: process.env.TWINFORGE_API_KEY, maxRetries: 0 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const file = await client.files.create({ file: fs.createReadStream(process.env.DATA_FILE), purpose: 'fine-tune' });
  const extension = process.env.TWINFORGE_JOB_EXTENSION ? JSON.parse(process.env.TWINFORGE_JOB_EXTENSION) : undefined;
  const created = await client.fineTuning.jobs.create({
    model: process.env.BASE_MODEL,
    training_file: file.id,
    suffix: 'npm-twin',
    seed: 7,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 'auto' } } },
    ...(extension ? { twinforge: extension } : {}),
  });
  let job = created;
  const deadline = Date.now() + 10 * 60 * 1000;
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status) && Date.now() < deadline) {
    await sleep(500);
    job = await client.fineTuning.jobs.retrieve(created.id);
  }
  const events = [];
  for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 100 })) events.push(event.message);
  const listed = [];
  for await (const listedJob of client.fineTuning.jobs.list({ limit: 10 })) listed.push(listedJob.id);

  const messages = [{ role: 'user', content: 'Question 1 for ana?' }];
  const whole = await client.chat.completions.create({ model: job.fine_tuned_model, messages, max_tokens: 16, temperature: 0 });
  let streamed = '';
  let usage;
  const stream = await client.chat.completions.create({
    model: job.fine_tuned_model, messages, max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  console.log(JSON.stringify({ file: file.id, created, job, events, listed, whole, streamed, usage }));
} catch (error) {
  console.error(JSON.stringify({ status: error.status, error: error.error ?? String(error) }));
  process.exit(1);
}
