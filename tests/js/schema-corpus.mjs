// Writes the zod 4 part of the structured-output schema corpus: typical tool and object definitions, converted by
// zod's own z.toJSONSchema as the AI SDK and LangChain do (2020-12, and draft-7 as the AI SDK asks for).
// The output is checked in; run again after changing a definition or the zod version:
//
//   (cd tests/js && npm ci && node schema-corpus.mjs)
import { writeFileSync } from 'node:fs';
import { z } from 'zod';

const Category = z.object({
  name: z.string(),
  get children() {
    return z.array(Category);
  },
});

const Address = z.object({ street: z.string(), city: z.string(), postcode: z.string().regex(/^[0-9]{5}$/) });

const definitions = {
  get_weather: z.object({
    city: z.string().min(1).describe('City name'),
    unit: z.enum(['celsius', 'fahrenheit']).optional(),
    days: z.number().int().min(1).max(14).default(1),
  }),
  create_user: z.object({
    id: z.uuid(),
    name: z.string().min(1).max(80),
    email: z.email(),
    age: z.number().int().nonnegative().max(150),
    tags: z.array(z.string()).max(5),
    admin: z.boolean(),
  }),
  calendar_event: z.object({
    title: z.string(),
    day: z.iso.date(),
    start: z.iso.time(),
    created: z.iso.datetime(),
    attendees: z.array(z.object({ name: z.string(), email: z.email() })).min(1),
  }),
  search: z.object({
    query: z.string().max(200),
    limit: z.number().int().positive().max(50).optional(),
    filters: z.record(z.string(), z.string()),
  }),
  recipe: z.object({
    name: z.string(),
    servings: z.number().positive(),
    ingredients: z.array(z.object({ item: z.string(), quantity: z.number().min(0), unit: z.enum(['g', 'ml', 'piece']) })),
    steps: z.array(z.string()).min(1),
  }),
  coordinates: z.object({ point: z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]) }),
  nullable_fields: z.object({ note: z.string().nullable(), score: z.number().nullable(), count: z.int().nullable() }),
  shape: z.object({
    shape: z.discriminatedUnion('type', [
      z.object({ type: z.literal('circle'), radius: z.number().positive() }),
      z.object({ type: z.literal('rect'), width: z.number().positive(), height: z.number().positive() }),
    ]),
  }),
  category_tree: Category,
  links: z.object({ homepage: z.url(), slug: z.string().regex(/^[a-z0-9-]+$/), code: z.string().length(6) }),
  ratings: z.object({ ratings: z.record(z.enum(['low', 'high']), z.number().int()) }),
  employee: z.intersection(z.object({ name: z.string() }), z.object({ salary: z.number().int().min(0) })),
  shipping: z.object({ from: Address, to: Address, express: z.boolean().optional() }),
  safe_integers: z.object({ a: z.int(), b: z.int32(), c: z.number().int().lt(0), d: z.number().gte(-1.5).lte(2.5) }),
  literal_and_unions: z.object({ kind: z.literal('note'), value: z.union([z.string(), z.number(), z.boolean()]) }),
};

const corpus = [];
for (const [name, schema] of Object.entries(definitions)) {
  corpus.push({ name, generator: 'zod 4 z.toJSONSchema', schema: z.toJSONSchema(schema) });
  corpus.push({ name: `${name} (draft-7)`, generator: 'zod 4 z.toJSONSchema target draft-7', schema: z.toJSONSchema(schema, { target: 'draft-7' }) });
}
const out = new URL('../Server.Tests/StructuredOutput/Corpus/zod4.json', import.meta.url);
writeFileSync(out, JSON.stringify(corpus, null, 2) + '\n');
console.log(`wrote ${corpus.length} schemas to ${out.pathname}`);
