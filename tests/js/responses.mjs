// OpenAI's Responses API (/v1/responses) against a running HiPO.Server, called as users call it: the official OpenAI
// JavaScript SDK (responses.create, responses.stream) and the Vercel AI SDK's default OpenAI provider (`openai(...)` from
// @ai-sdk/openai, which speaks only the Responses API), with HiPO's reasoning as reasoning items.
//
//   HIPO_URL        the server (default http://localhost:8080); CI serves the demo model (`--demo`)
//   HIPO_API_KEY    sent as the bearer token when the server has API keys
//   HIPO_TOOLS_URL  optional: a server whose model calls get_weather for Paris on its own (see conformance.mjs)
//
// Run: (cd tests/js && npm ci && HIPO_URL=http://localhost:8080 node --test responses.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { NotFoundError, BadRequestError } from 'openai';

const baseUrl = process.env.HIPO_URL ?? 'http://localhost:8080';
const toolsUrl = process.env.HIPO_TOOLS_URL;
const apiKey = process.env.HIPO_API_KEY || 'unused';

function client(url) {
  return new OpenAI({ baseURL: new URL('/v1', url).href, apiKey, maxRetries: 0 });
}

const openai = client(baseUrl);
const model = (await openai.models.list()).data[0].id;

// The AI SDK's default provider reads its endpoint and key from the environment when it is first imported.
process.env.OPENAI_BASE_URL = new URL('/v1', baseUrl).href;
process.env.OPENAI_API_KEY = apiKey;
const { openai: aiOpenAI } = await import('@ai-sdk/openai');
const { generateText, streamText } = await import('ai');

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', additionalProperties: false, required: ['city'], properties: { city: { type: 'string' } } },
  strict: true,
};

test('responses.create returns a reasoning item, then the answer, and HiPO\'s decision', async () => {
  const response = await openai.responses.create({ model, input: 'What is 17 times 23?', temperature: 0 });

  assert.equal(response.object, 'response');
  assert.equal(response.status, 'completed');
  assert.deepEqual(response.output.map((item) => item.type), ['reasoning', 'message']);
  const [reasoning, message] = response.output;
  assert.equal(reasoning.content[0].type, 'reasoning_text');
  assert.ok(reasoning.content[0].text.length > 0);
  assert.equal(message.content[0].type, 'output_text');
  assert.equal(response.output_text, message.content[0].text);
  assert.ok(response.output_text.length > 0);
  assert.equal(response.think_mode, 'on');
  assert.equal(response.think_mode_source, 'model');
  assert.ok(response.usage.output_tokens_details.reasoning_tokens > 0);
  assert.equal(response.usage.total_tokens, response.usage.input_tokens + response.usage.output_tokens);
});

test('responses.stream emits the semantic events and a final response equal to the whole one', async () => {
  const whole = await openai.responses.create({ model, input: 'What is 17 times 23?', temperature: 0 });
  const stream = openai.responses.stream({ model, input: 'What is 17 times 23?', temperature: 0 });
  let reasoning = '';
  let text = '';
  const types = [];
  const sequence = [];
  for await (const event of stream) {
    sequence.push(event.sequence_number);
    if (types.at(-1) !== event.type) types.push(event.type);
    if (event.type === 'response.reasoning_text.delta') reasoning += event.delta;
    if (event.type === 'response.output_text.delta') text += event.delta;
  }
  const final = await stream.finalResponse();

  assert.deepEqual(sequence, sequence.map((_, i) => i));
  assert.equal(types[0], 'response.created');
  assert.equal(types[1], 'response.in_progress');
  assert.equal(types.at(-1), 'response.completed');
  assert.ok(types.indexOf('response.reasoning_text.delta') < types.indexOf('response.output_text.delta'));
  assert.equal(reasoning, whole.output[0].content[0].text);
  assert.equal(text, whole.output_text);
  assert.equal(final.output_text, whole.output_text);
  assert.equal(final.think_mode, 'on');
});

test('reasoning.effort none forces think-off, with no reasoning item', async () => {
  const response = await openai.responses.create({ model, input: 'Capital of France?', reasoning: { effort: 'none' } });
  assert.equal(response.think_mode, 'off');
  assert.equal(response.think_mode_source, 'request');
  assert.deepEqual(response.output.map((item) => item.type), ['message']);
});

test('previous_response_id continues a stored response, which can be retrieved and deleted', async () => {
  const first = await openai.responses.create({ model, input: 'Capital of France?', instructions: 'Be brief.', reasoning: { effort: 'none' } });
  const second = await openai.responses.create({
    model, input: 'And of Italy?', instructions: 'Be brief.', reasoning: { effort: 'none' }, previous_response_id: first.id,
  });
  assert.equal(second.previous_response_id, first.id);
  assert.ok(second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens / 2, 'the first exchange is in the prompt');
  assert.ok(second.usage.input_tokens_details.cached_tokens > 0, 'the first prompt is reused from the KV cache');

  assert.equal((await openai.responses.retrieve(first.id)).output_text, first.output_text);
  await openai.responses.delete(first.id);
  await assert.rejects(openai.responses.retrieve(first.id), NotFoundError);
  await assert.rejects(
    openai.responses.create({ model, input: 'Again?', previous_response_id: first.id }),
    (error) => error instanceof NotFoundError && error.param === 'previous_response_id',
  );
});

test('text.format json_schema answers parse', async () => {
  const schema = {
    type: 'object', additionalProperties: false, required: ['capital', 'level'],
    properties: { capital: { type: 'boolean' }, level: { enum: ['low', 'high'] } },
  };
  const response = await openai.responses.parse({
    model, input: 'Is Paris the capital?', reasoning: { effort: 'none' }, max_output_tokens: 300, seed: 7,
    text: { format: { type: 'json_schema', name: 'verdict', strict: true, schema } },
  });
  assert.equal(typeof response.output_parsed.capital, 'boolean');
  assert.ok(['low', 'high'].includes(response.output_parsed.level));
});

test('a built-in tool is refused with a 400 naming it', async () => {
  await assert.rejects(
    openai.responses.create({ model, input: 'News?', tools: [{ type: 'web_search' }] }),
    (error) => error instanceof BadRequestError && error.param === 'tools[0].type' && /web_search/.test(error.message),
  );
});

test('a function call comes back as an item, and its output goes back in', { skip: !toolsUrl && 'HIPO_TOOLS_URL is not set' }, async () => {
  const tools = client(toolsUrl);
  const toolsModel = (await tools.models.list()).data[0].id;
  const first = await tools.responses.create({ model: toolsModel, input: 'Weather in Paris?', tools: [weatherTool] });
  const call = first.output.find((item) => item.type === 'function_call');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
  assert.match(call.call_id, /^call_/);

  const next = await tools.responses.create({
    model: toolsModel, previous_response_id: first.id, tools: [weatherTool],
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":21}' }],
  });
  assert.equal(next.status, 'completed');
  assert.ok(next.usage.input_tokens > first.usage.input_tokens, 'the call and its result are in the prompt');

  const streamed = [];
  for await (const event of tools.responses.stream({ model: toolsModel, input: 'Weather in Paris?', tools: [weatherTool] })) {
    if (event.type === 'response.function_call_arguments.done') streamed.push(JSON.parse(event.arguments));
  }
  assert.deepEqual(streamed, [{ city: 'Paris' }]);
});

// The AI SDK reads reasoning from reasoning summaries: ask for one (reasoningSummary), and tell it the model reasons.
const reasoningOptions = { openai: { forceReasoning: true, reasoningSummary: 'detailed' } };

test('the AI SDK\'s openai() provider: generateText gets the answer and the reasoning', async () => {
  const result = await generateText({ model: aiOpenAI(model), prompt: 'What is 17 times 23?', providerOptions: reasoningOptions });
  const whole = await openai.responses.create({ model, input: 'What is 17 times 23?' });

  assert.equal(result.text, whole.output_text);
  assert.equal(result.reasoningText, whole.output[0].content[0].text);
  assert.equal(result.finishReason, 'stop');
  assert.ok(result.usage.outputTokens > 0);
  assert.ok(result.usage.reasoningTokens > 0);
});

test('the AI SDK\'s openai() provider: streamText streams the reasoning, then the answer', async () => {
  const result = streamText({ model: aiOpenAI(model), prompt: 'What is 17 times 23?', providerOptions: reasoningOptions });
  const kinds = [];
  let reasoning = '';
  let text = '';
  for await (const part of result.fullStream) {
    if (part.type === 'error') throw part.error;
    if (part.type === 'reasoning-delta') reasoning += part.text;
    if (part.type === 'text-delta') text += part.text;
    if (['reasoning-delta', 'text-delta'].includes(part.type) && kinds.at(-1) !== part.type) kinds.push(part.type);
  }

  assert.deepEqual(kinds, ['reasoning-delta', 'text-delta']);
  assert.ok(reasoning.length > 0);
  assert.equal(text, await result.text);
  assert.equal(reasoning, await result.reasoningText);
  assert.equal(await result.finishReason, 'stop');
});

test('the AI SDK\'s openai() provider continues a conversation from its own response messages', async () => {
  const first = await generateText({ model: aiOpenAI(model), prompt: 'What is 17 times 23?', providerOptions: reasoningOptions });
  const second = await generateText({
    model: aiOpenAI(model),
    providerOptions: reasoningOptions,
    messages: [{ role: 'user', content: 'What is 17 times 23?' }, ...first.response.messages, { role: 'user', content: 'And 17 times 24?' }],
  });

  assert.ok(second.text.length > 0);
  assert.ok(second.usage.inputTokens > first.usage.inputTokens + first.text.length / 8, 'the first answer is in the prompt');
});

test('the AI SDK\'s openai() provider without reasoning options still gets the answer', async () => {
  const result = await generateText({ model: aiOpenAI(model), prompt: 'Capital of France?' });
  assert.ok(result.text.length > 0);
  assert.equal(result.finishReason, 'stop');
});
