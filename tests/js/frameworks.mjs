// The two most used TypeScript stacks against a running HiPO.Server, with zod 4 schemas as their users write them:
// the Vercel AI SDK through @ai-sdk/openai-compatible, and LangChain JS's ChatOpenAI.
//
//   HIPO_URL      the server (default http://localhost:8080); CI serves the demo model (`--demo`), which writes
//                 random valid output under a grammar, so the assertions check shape and schema, not wording
//   HIPO_API_KEY  sent as the bearer token when the server has API keys
//
// Run: (cd tests/js && npm ci && HIPO_URL=http://localhost:8080 node --test frameworks.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, streamText, tool as aiTool } from 'ai';
import { ChatOpenAI } from '@langchain/openai';
import { tool as langchainTool } from '@langchain/core/tools';
import { z } from 'zod';

const baseUrl = new URL('/v1', process.env.HIPO_URL ?? 'http://localhost:8080').href;
const apiKey = process.env.HIPO_API_KEY || 'unused';
const modelId = (await (await fetch(`${baseUrl}/models`, { headers: { authorization: `Bearer ${apiKey}` } })).json()).data[0].id;

// Integers, ranges, enums and optional fields: what zod 4 writes for an ordinary tool.
const weather = z.object({
  city: z.enum(['Paris', 'Tokyo']).describe('City'),
  unit: z.enum(['c', 'f']),
  days: z.number().int().min(1).max(7),
});
const verdict = z.object({
  capital: z.boolean(),
  level: z.enum(['low', 'high']),
  score: z.number().int().min(0).max(100),
});

const hipo = createOpenAICompatible({ name: 'hipo', baseURL: baseUrl, apiKey, supportsStructuredOutputs: true });
const sdkModel = hipo.chatModel(modelId);
const settings = { maxOutputTokens: 300, seed: 7, maxRetries: 0, providerOptions: { hipo: { think_mode: 'off' } } };

test('AI SDK generateText with a zod tool and toolChoice required yields a typed tool call', async () => {
  const result = await generateText({
    model: sdkModel, prompt: 'Weather in Paris for three days?', ...settings,
    tools: { get_weather: aiTool({ description: 'Weather forecast for a city', inputSchema: weather }) },
    toolChoice: 'required',
  });

  assert.equal(result.finishReason, 'tool-calls');
  assert.equal(result.toolCalls.length, 1);
  assert.equal(result.toolCalls[0].toolName, 'get_weather');
  assert.deepEqual(weather.parse(result.toolCalls[0].input), result.toolCalls[0].input);
});

test('AI SDK generateText with a zod tool under toolChoice auto is accepted and answers', async () => {
  const result = await generateText({
    model: sdkModel, prompt: 'Hello', ...settings, providerOptions: {},
    tools: { get_weather: aiTool({ description: 'Weather forecast for a city', inputSchema: weather }) },
  });

  assert.ok(['stop', 'tool-calls'].includes(result.finishReason));
});

test('AI SDK generateObject returns an object that matches the zod schema', async () => {
  const { object, finishReason } = await generateObject({ model: sdkModel, schema: verdict, prompt: 'Is Paris the capital?', ...settings });

  assert.equal(finishReason, 'stop');
  assert.deepEqual(verdict.parse(object), object);
});

test('AI SDK streamText streams the answer and the reasoning apart', async () => {
  const result = streamText({ model: sdkModel, prompt: 'What is 17 times 23?', temperature: 0, maxRetries: 0 });
  let text = '';
  for await (const delta of result.textStream) text += delta;

  assert.ok(text.length > 0);
  assert.equal(text, await result.text);
  assert.ok((await result.reasoningText)?.length > 0, 'the demo model thinks, and its reasoning is not in the text');
  assert.ok(!text.includes('<answer>') && !text.includes('<judge>'));
  assert.equal(await result.finishReason, 'stop');
});

const chat = new ChatOpenAI({
  model: modelId, apiKey, configuration: { baseURL: baseUrl }, maxRetries: 0, maxTokens: 300, temperature: 0.7,
  modelKwargs: { think_mode: 'off', seed: 7 },
});

test('LangChain withStructuredOutput parses a zod schema answer', async () => {
  const structured = chat.withStructuredOutput(verdict, { name: 'verdict' });
  const answer = await structured.invoke('Is Paris the capital?');

  assert.deepEqual(verdict.parse(answer), answer);
});

test('LangChain bindTools with a zod tool and tool_choice required yields tool_calls', async () => {
  const getWeather = langchainTool(async () => 'sunny', { name: 'get_weather', description: 'Weather forecast for a city', schema: weather });
  const message = await chat.bindTools([getWeather], { tool_choice: 'required' }).invoke('Weather in Paris for three days?');

  assert.equal(message.tool_calls.length, 1);
  assert.equal(message.tool_calls[0].name, 'get_weather');
  assert.deepEqual(weather.parse(message.tool_calls[0].args), message.tool_calls[0].args);
  assert.ok(!String(message.content).includes('<tool_call>'));
});

test('LangChain .stream() yields the answer in chunks', async () => {
  const plain = new ChatOpenAI({ model: modelId, apiKey, configuration: { baseURL: baseUrl }, maxRetries: 0, temperature: 0 });
  let text = '';
  let chunks = 0;
  for await (const chunk of await plain.stream('What is 17 times 23?')) {
    text += chunk.content;
    chunks++;
  }

  assert.ok(chunks > 1);
  assert.ok(text.startsWith('Hello from HiPO.Server!'), text);
});
