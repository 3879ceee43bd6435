// The official OpenAI JavaScript SDK against a running HiPO.Server, called exactly as users call it.
//
//   HIPO_URL        the server (default http://localhost:8080), serving a HiPO model; the assertions hold for
//                   any model at temperature 0, and CI serves the demo model (`--demo`)
//   HIPO_API_KEY    sent as the bearer token when the server has API keys
//   HIPO_TOOLS_URL  optional: a server whose model calls get_weather for Paris on its own (tool_choice auto);
//                   the test that needs it is skipped without it
//
// Run: (cd tests/js && npm ci && HIPO_URL=http://localhost:8080 node --test conformance.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseUrl = process.env.HIPO_URL ?? 'http://localhost:8080';
const toolsUrl = process.env.HIPO_TOOLS_URL;

function client(url) {
  return new OpenAI({ baseURL: new URL('/v1', url).href, apiKey: process.env.HIPO_API_KEY || 'unused', maxRetries: 0 });
}

const openai = client(baseUrl);
const model = (await openai.models.list()).data[0].id;
const question = [{ role: 'user', content: 'What is 17 times 23?' }];

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      additionalProperties: false,
      required: ['city', 'unit'],
      properties: { city: { enum: ['Paris', 'Tokyo'] }, unit: { enum: ['c', 'f'] } },
    },
  },
};

/** Reads a streamed chat completion into per-choice texts, checking the one-kind-per-delta contract on the way. */
async function readStream(stream) {
  const choices = [];
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) {
      assert.deepEqual(chunk.choices, [], 'the usage chunk carries no choices');
      usage = chunk.usage;
    }
    for (const { index, delta, finish_reason: finish } of chunk.choices) {
      const choice = (choices[index] ??= { content: '', reasoning: null, reason: null, mode: null, source: null, kinds: [], finish: null });
      const kinds = ['think_mode_reason', 'think_mode', 'reasoning_content', 'content', 'tool_calls'].filter((k) => delta[k] != null);
      assert.ok(kinds.length <= 1, `a delta carries one kind of text, got ${kinds}`);
      if (kinds.length === 1 && choice.kinds.at(-1) !== kinds[0]) choice.kinds.push(kinds[0]);
      if (delta.think_mode_reason != null) choice.reason = (choice.reason ?? '') + delta.think_mode_reason;
      if (delta.think_mode != null) {
        assert.equal(choice.mode, null, 'think_mode is sent once');
        choice.mode = delta.think_mode;
        choice.source = delta.think_mode_source;
      }
      if (delta.reasoning_content != null) choice.reasoning = (choice.reasoning ?? '') + delta.reasoning_content;
      if (delta.content != null) choice.content += delta.content;
      choice.finish ??= finish;
    }
  }
  return { choices, usage };
}

test('models.list names the served model', async () => {
  const models = await openai.models.list();
  assert.ok(models.data.length >= 1);
  assert.equal(models.data[0].object, 'model');
  assert.equal((await openai.models.retrieve(model)).id, model);
});

test('a whole completion has the answer as content and HiPO fields beside it', async () => {
  const { data, response } = await openai.chat.completions.create({ model, messages: question, temperature: 0 }).withResponse();
  const choice = data.choices[0];
  const message = choice.message;

  assert.equal(response.status, 200);
  assert.equal(data.object, 'chat.completion');
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(message.role, 'assistant');
  assert.ok(message.content.length > 0);
  assert.ok(['on', 'off'].includes(message.think_mode));
  assert.equal(message.think_mode_source, 'model');
  assert.ok(message.think_mode_reason.length > 0);
  if (message.think_mode === 'on') assert.ok(message.reasoning_content.length > 0);
  else assert.equal(message.reasoning_content, null);

  const usage = data.usage;
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.ok(usage.completion_tokens_details.reasoning_tokens > 0);
  assert.ok(usage.completion_tokens_details.reasoning_tokens < usage.completion_tokens);
});

test('a stream delivers the same reply: judge, decision, reasoning, answer, then usage', async () => {
  const whole = (await openai.chat.completions.create({ model, messages: question, temperature: 0 })).choices[0].message;
  const stream = await openai.chat.completions.create({
    model, messages: question, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const { choices: [choice], usage } = await readStream(stream);

  assert.equal(choice.content, whole.content);
  assert.equal(choice.reasoning, whole.reasoning_content);
  assert.equal(choice.reason, whole.think_mode_reason);
  assert.equal(choice.mode, whole.think_mode);
  assert.equal(choice.source, 'model');
  assert.equal(choice.finish, 'stop');
  const order = ['think_mode_reason', 'think_mode', 'reasoning_content', 'content'];
  assert.deepEqual(choice.kinds, order.filter((k) => choice.kinds.includes(k)), 'kinds arrive in order, each once');
  assert.ok(usage.completion_tokens > 0);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

test('think_mode, reasoning_effort and enable_thinking force the mode', async () => {
  const ask = async (extra) => (await openai.chat.completions.create({ model, messages: question, temperature: 0, ...extra })).choices[0].message;

  const off = await ask({ think_mode: 'off' });
  assert.equal(off.think_mode, 'off');
  assert.equal(off.think_mode_source, 'request');
  assert.equal(off.think_mode_reason, null);
  assert.equal(off.reasoning_content, null);
  assert.ok(off.content.length > 0);

  const on = await ask({ reasoning_effort: 'high' });
  assert.equal(on.think_mode, 'on');
  assert.equal(on.think_mode_source, 'request');
  assert.ok(on.reasoning_content.length > 0);

  assert.equal((await ask({ chat_template_kwargs: { enable_thinking: false } })).think_mode, 'off');

  const stream = await openai.chat.completions.create({ model, messages: question, temperature: 0, stream: true, think_mode: 'off' });
  const { choices: [streamed] } = await readStream(stream);
  assert.equal(streamed.mode, 'off');
  assert.equal(streamed.source, 'request');
  assert.equal(streamed.content, off.content);
});

test('max_reasoning_tokens closes the reasoning and the answer follows', async () => {
  const completion = await openai.chat.completions.create({ model, messages: question, temperature: 0, think_mode: 'on', max_reasoning_tokens: 4 });
  const message = completion.choices[0].message;

  assert.equal(message.reasoning_truncated, true);
  assert.ok(message.reasoning_content.length > 0);
  assert.ok(message.content.length > 0);
});

test('tool_choice required yields a tool call the SDK reads, whole and streamed', async () => {
  const request = {
    model, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool],
    tool_choice: 'required', parallel_tool_calls: false, think_mode: 'off', max_tokens: 300, seed: 7,
  };
  const whole = (await openai.chat.completions.create(request)).choices[0];
  // The SDK's stream helper assembles tool calls from their deltas.
  const streamed = (await openai.chat.completions.stream(request).finalChatCompletion()).choices[0];

  for (const choice of [whole, streamed]) {
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.match(call.id, /^call_/);
    assert.equal(call.function.name, 'get_weather');
    const args = JSON.parse(call.function.arguments);
    assert.ok(['Paris', 'Tokyo'].includes(args.city));
    assert.ok(['c', 'f'].includes(args.unit));
  }
});

test('a model that calls a tool on its own, and the result sent back', { skip: !toolsUrl && 'HIPO_TOOLS_URL is not set' }, async () => {
  const tools = client(toolsUrl);
  const toolsModel = (await tools.models.list()).data[0].id;
  const messages = [{ role: 'user', content: 'Weather in Paris?' }];
  const first = await tools.chat.completions.create({ model: toolsModel, messages, tools: [weatherTool] });
  const message = first.choices[0].message;

  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(message.content, null);
  assert.equal(message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(message.tool_calls[0].function.arguments), { city: 'Paris' });

  messages.push(message, { role: 'tool', tool_call_id: message.tool_calls[0].id, content: '{"temp_c":21}' });
  const next = await tools.chat.completions.create({ model: toolsModel, messages, tools: [weatherTool] });
  assert.ok(next.usage.prompt_tokens > first.usage.prompt_tokens, 'the call and its result are in the prompt');
});

test('json_schema and json_object answers parse', async () => {
  const schema = {
    type: 'object', additionalProperties: false, required: ['capital', 'level'],
    properties: { capital: { type: 'boolean' }, level: { enum: ['low', 'high'] } },
  };
  const parsed = await openai.chat.completions.parse({
    model, messages: [{ role: 'user', content: 'Is Paris the capital?' }], think_mode: 'off', max_tokens: 300, seed: 7,
    response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema } },
  });
  const verdict = parsed.choices[0].message.parsed;
  assert.equal(typeof verdict.capital, 'boolean');
  assert.ok(['low', 'high'].includes(verdict.level));
  assert.deepEqual(Object.keys(verdict).sort(), ['capital', 'level']);

  const object = await openai.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Describe Paris.' }], think_mode: 'off', max_tokens: 300, seed: 7,
    response_format: { type: 'json_object' },
  });
  const value = JSON.parse(object.choices[0].message.content);
  assert.equal(typeof value, 'object');
  assert.ok(value !== null && !Array.isArray(value));
});

test('logprobs cover the answer tokens, whole and streamed', async () => {
  const request = { model, messages: question, temperature: 0, logprobs: true, top_logprobs: 2 };
  const whole = (await openai.chat.completions.create(request)).choices[0];
  const streamed = [];
  for await (const chunk of await openai.chat.completions.create({ ...request, stream: true }))
    for (const choice of chunk.choices) streamed.push(...(choice.logprobs?.content ?? []));

  const entries = whole.logprobs.content;
  assert.ok(entries.length > 0);
  assert.ok(entries.map((e) => e.token).join('').includes(whole.message.content));
  for (const entry of entries) {
    assert.ok(entry.logprob <= 0);
    assert.equal(entry.top_logprobs.length, 2);
    assert.ok(entry.top_logprobs[0].logprob >= entry.top_logprobs[1].logprob);
    assert.deepEqual(entry.bytes, [...Buffer.from(entry.token, 'utf8')]);
  }
  assert.deepEqual(streamed.map((e) => e.token), entries.map((e) => e.token));
});

test('n returns indexed choices, whole and streamed', async () => {
  const whole = await openai.chat.completions.create({ model, messages: question, temperature: 0, n: 2 });
  assert.deepEqual(whole.choices.map((c) => c.index), [0, 1]);
  assert.equal(whole.choices[0].message.content, whole.choices[1].message.content);

  const { choices } = await readStream(await openai.chat.completions.create({ model, messages: question, temperature: 0, n: 2, stream: true }));
  assert.equal(choices.length, 2);
  for (const choice of choices) {
    assert.equal(choice.content, whole.choices[0].message.content);
    assert.equal(choice.finish, 'stop');
  }
});

test('an unknown model is a NotFoundError with OpenAI\'s error body', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'gpt-9', messages: question }), (error) => {
    assert.ok(error instanceof OpenAI.NotFoundError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'model_not_found');
    return true;
  });
});
