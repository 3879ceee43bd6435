using HiPO.Inference.StructuredOutput;

namespace HiPO.Server.Tests.StructuredOutput;

/// <summary>The schema-to-grammar converter: what it supports, that llama.cpp accepts every grammar it writes, and what it refuses.</summary>
public sealed class JsonSchemaGrammarTests
{
    private static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement;

    [Theory]
    [MemberData(nameof(SchemaCorpus.Indexes), MemberType = typeof(SchemaCorpus))]
    public void Every_corpus_schema_compiles_to_a_grammar_llama_cpp_accepts(int index)
    {
        var entry = SchemaCorpus.All[index];
        var grammar = JsonSchemaGrammar.FromSchema(Schema(entry.Schema.ToJsonString()));

        Assert.True(NativeGrammar.Accepts(grammar), $"llama.cpp refused the grammar for {entry}:\n{grammar}");
    }

    [Theory]
    [InlineData("""{"type":"string","maxLength":5000}""")]
    [InlineData("""{"type":"array","items":{"type":"integer"},"minItems":3,"maxItems":100000}""")]
    [InlineData("""{"type":"object","additionalProperties":{"type":"string"},"maxProperties":9999}""")]
    [InlineData("""{"type":"string","pattern":"^a{3,9000}$"}""")]
    [InlineData("""{"type":"integer","minimum":-9007199254740991,"maximum":9007199254740991}""")]
    [InlineData("""{"type":"number","exclusiveMinimum":0,"maximum":1e300}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"anyOf":[{"type":"null"},{"type":"array","items":{"$ref":"#/$defs/A"}}]}}}""")]
    public void Large_and_recursive_schemas_stay_within_what_llama_cpp_accepts(string schema)
    {
        var grammar = JsonSchemaGrammar.FromSchema(Schema(schema));

        Assert.True(NativeGrammar.Accepts(grammar), grammar);
    }

    [Theory]
    [InlineData("""{"type":"string","minLength":5000}""", "$.minLength", "1999")]
    [InlineData("""{"type":"array","minItems":2001}""", "$.minItems", "1999")]
    [InlineData("""{"type":"string","pattern":"^a{2500}$"}""", "$.pattern", "1999")]
    [InlineData("""{"type":"string","pattern":"^(?=a)b$"}""", "$.pattern", "lookaround")]
    [InlineData("""{"type":"string","pattern":"^a{99999999999}$"}""", "$.pattern", "1999")]
    [InlineData("""{"type":"string","pattern":"^a{3,2}$"}""", "$.pattern", "out of order")]
    [InlineData("""{"type":"string","pattern":"^((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))$"}""", "$.pattern", "nest deeper")]
    [InlineData("""{"type":"string","pattern":"^(a)\\1$"}""", "$.pattern", "backreference")]
    [InlineData("""{"type":"string","format":"ipv6"}""", "$.format", "ipv6")]
    [InlineData("""{"type":"number","multipleOf":0.5}""", "$.multipleOf", "multipleOf")]
    [InlineData("""{"type":"object","properties":{"a":{"not":{"type":"null"}}}}""", "$.properties.a.not", "not")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "$.uniqueItems", "uniqueItems")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "$.$ref", "#/")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$.$ref", "does not resolve")]
    [InlineData("""{"$defs":{"A":{"anyOf":[{"$ref":"#/$defs/A"},{"type":"null"}]}},"$ref":"#/$defs/A"}""", "$ref", "left recursion")]
    [InlineData("""{"allOf":[{"type":"string"},{"type":"integer"}]}""", "$.allOf", "different types")]
    [InlineData("""{"type":"object","anyOf":[{"$ref":"#"},{"required":["a"]}]}""", "$ref", "without end")]
    [InlineData("""{"type":"object","anyOf":[{"$ref":"#"},{"$ref":"#"},{"$ref":"#"}]}""", "$ref", "without end")]
    [InlineData("""{"type":"integer","minimum":5,"maximum":4}""", "$.minimum", "no integer")]
    [InlineData("""{"type":"number","minimum":0.1,"maximum":0.2}""", "$.minimum", "no number")]
    [InlineData("""{"type":"string","pattern":"^[a-z]+$","maxLength":5,"minLength":9}""", "$.maxLength", "below")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["b"],"additionalProperties":false}""", "$.required", "'b'")]
    [InlineData("""{"type":"string","minLength":"2"}""", "$.minLength", "non-negative integer")]
    [InlineData("""{"allOf":[{"minimum":"1"},{"minimum":2}]}""", "$.allOf", "differs")]
    [InlineData("""{"allOf":[{"type":[5]},{"type":"string"}]}""", "$.allOf", "different types")]
    [InlineData("""{"type":"object","propertyNames":{"enum":"a"},"additionalProperties":{}}""", "propertyNames.enum", "non-empty list")]
    public void Unsupported_constructs_are_refused_with_keyword_and_path(string schema, string path, string reason)
    {
        var error = Assert.Throws<UnsupportedSchemaException>(() => JsonSchemaGrammar.FromSchema(Schema(schema)));

        Assert.EndsWith(path, error.Path);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Integer_bounds_are_exact_digit_ranges()
    {
        var grammar = JsonSchemaGrammar.FromSchema(Schema("""{"type":"integer","minimum":-5,"maximum":1000}"""));

        Assert.Contains("\"1000\"", grammar);
        Assert.Contains("\"-\" [1-5]", grammar);
        Assert.True(NativeGrammar.Accepts(grammar));
    }

    [Fact]
    public void Tool_call_grammars_resolve_references_against_each_function_s_own_parameters()
    {
        var first = Schema("""{"type":"object","properties":{"a":{"$ref":"#/$defs/X"}},"required":["a"],"$defs":{"X":{"type":"integer","minimum":1}}}""");
        var second = Schema("""{"type":"object","properties":{"b":{"$ref":"#/$defs/X"}},"required":["b"],"$defs":{"X":{"type":"boolean"}}}""");
        var grammar = JsonSchemaGrammar.ForToolCalls([("f", first, "tools[0].function.parameters"), ("g", second, "tools[1].function.parameters")], parallel: true);

        Assert.Contains("boolean", grammar);
        Assert.True(NativeGrammar.Accepts(grammar), grammar);
    }

    [Fact]
    public void Mutated_corpus_schemas_compile_or_are_refused_and_never_throw_anything_else()
    {
        var random = new Random(1616);
        JsonNode?[] replacements = [5, -1, 1e300, "x", "", true, false, null, new JsonArray(), new JsonArray(1, "a"), new JsonObject(), JsonNode.Parse("""{"$ref":"#"}""")];
        var compiled = 0;
        for (var round = 0; round < 2000; round++)
        {
            var schema = SchemaCorpus.All[random.Next(SchemaCorpus.All.Count)].Schema.DeepClone();
            var nodes = Descendants(schema).ToList();
            var target = nodes[random.Next(nodes.Count)];
            var replacement = replacements[random.Next(replacements.Length)]?.DeepClone();
            switch (target.Parent)
            {
                case JsonObject parent:
                    parent[target.GetPropertyName()] = replacement;
                    break;
                case JsonArray array:
                    array[target.GetElementIndex()] = replacement;
                    break;
                default:
                    continue;
            }
            try
            {
                var grammar = JsonSchemaGrammar.FromSchema(Schema(schema.ToJsonString()));
                Assert.True(NativeGrammar.Accepts(grammar), $"llama.cpp refused the grammar for {schema.ToJsonString()}");
                compiled++;
            }
            catch (UnsupportedSchemaException)
            {
            }
        }
        Assert.True(compiled > 100, $"only {compiled} mutated schemas compiled");
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            yield return child;
            foreach (var below in Descendants(child))
                yield return below;
        }
    }
}
