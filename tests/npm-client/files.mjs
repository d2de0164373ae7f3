// The official npm client (openai) against twinforge serve: upload a creator's chat data, list, retrieve, download,
// delete. Only the base URL and the key differ from the hosted API. Prints one JSON object of what it saw; exits 1 on
// any error, with the error's status and body. Environment: TWINFORGE_BASE_URL (…/v1), TWINFORGE_API_KEY, DATA_FILE.
import fs from 'node:fs';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.TWINFORGE_BASE_URL, apiKey: process.env.TWINFORGE_API_KEY, maxRetries: 0 });

try {
  const uploaded = await client.files.create({ file: fs.createReadStream(process.env.DATA_FILE), purpose: 'fine-tune' });
  const listed = [];
  for await (const file of client.files.list()) listed.push(file.id);
  const retrieved = await client.files.retrieve(uploaded.id);
  const content = await (await client.files.content(uploaded.id)).text();
  let refused;
  try {
    await client.files.retrieve('file-doesnotexist000000000000');
  } catch (error) {
    refused = { status: error.status, type: error.type ?? error.error?.type };
  }
  const deleted = await client.files.delete(uploaded.id);
  console.log(JSON.stringify({ uploaded, listed, retrieved, content, refused, deleted }));
} catch (error) {
  console.error(JSON.stringify({ status: error.status, error: error.error ?? String(error) }));
  process.exit(1);
}
