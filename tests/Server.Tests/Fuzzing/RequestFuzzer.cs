namespace HiPO.Server.Tests.Fuzzing;

/// <summary>One generated request: where it goes, its bytes, and how it was made (for a failure message).</summary>
public sealed record FuzzCase(int Index, string Path, byte[] Body, string Recipe);

/// <summary>
/// Generates requests from the server's own OpenAPI document (and, for the fields the document leaves open, from valid
/// example requests) and mutates them: a wrong JSON type at a random path, out-of-range and huge numbers, huge and deeply
/// nested values, unknown enum values, missing and unknown fields, invalid UTF-8 and truncated bodies. Every case comes
/// from one seeded <see cref="Random"/>, so a seed names a run exactly.
/// </summary>
public sealed class RequestFuzzer(JsonObject openApi, Random random)
{
    /// <summary>
    /// Valid requests that reach deep into each endpoint: tools, tool history, schemas, think controls, token prompts. Those with
    /// a grammar force think-off, so that the answer (where the grammar applies) starts at once, within the small max_tokens.
    /// </summary>
    private static readonly Dictionary<string, string[]> Examples = new()
    {
        ["/v1/chat/completions"] =
        [
            """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Capital of France?"}],"temperature":0.7,"top_p":0.9,"seed":7,"stop":["\n\n"],"n":2,"logprobs":true,"top_logprobs":2}""",
            """{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"stream":true,"stream_options":{"include_usage":true},"think_mode":"off","max_reasoning_tokens":5,"include_reasoning":false}""",
            """{"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"21"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","strict":true,"parameters":{"type":"object","properties":{"city":{"type":"string","maxLength":20},"days":{"type":"integer"}},"required":["city"],"additionalProperties":false}}}],"tool_choice":"required","parallel_tool_calls":false,"think_mode":"off"}""",
            """{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","enum":["p","q"]},"minItems":1,"maxItems":2}}}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"think_mode":"off"}""",
            """{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"city","strict":true,"schema":{"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":30},"tags":{"type":"array","items":{"anyOf":[{"type":"string"},{"type":"null"}]}},"kind":{"const":"city"}},"required":["name"]}}},"think_mode":"off"}""",
            """{"messages":[{"role":"developer","content":"d"},{"role":"user","content":"x","name":"bob"}],"response_format":{"type":"json_object"},"reasoning_effort":"low","chat_template_kwargs":{"enable_thinking":true},"think":true,"logit_bias":{"1":-100,"2":5},"presence_penalty":0.5,"frequency_penalty":-0.5,"repetition_penalty":1.1,"min_p":0.05,"top_k":20,"user":"u"}""",
        ],
        ["/v1/completions"] =
        [
            """{"prompt":"Once upon a time","max_tokens":4,"temperature":0,"stop":"\n","logprobs":2,"seed":1}""",
            """{"prompt":[1,2,3],"max_tokens":3,"stream":true,"stream_options":{"include_usage":true},"echo":true,"n":2,"best_of":2}""",
        ],
        ["/v1/responses"] =
        [
            """{"input":"Capital of France?","instructions":"Be brief.","max_output_tokens":16,"temperature":0.7,"top_p":0.9,"seed":3,"store":false,"metadata":{"k":"v"},"user":"u"}""",
            """{"input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}],"stream":true,"think_mode":"off","max_output_tokens":8,"reasoning":{"effort":"low"}}""",
            """{"input":[{"role":"user","content":"weather?"},{"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},{"type":"function_call_output","call_id":"c1","output":"21"}],"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"tool_choice":"required","parallel_tool_calls":false,"think_mode":"off","max_output_tokens":40}""",
            """{"input":"x","text":{"format":{"type":"json_schema","name":"city","strict":true,"schema":{"type":"object","properties":{"name":{"type":"string","maxLength":20}},"required":["name"]}}},"think_mode":"off","max_output_tokens":40}""",
        ],
        ["/tokenize"] = ["""{"content":"Hello <|im_end|> world","add_special":true,"parse_special":false,"with_pieces":true}"""],
        ["/detokenize"] = ["""{"tokens":[1,2,3,4]}"""],
    };

    private static readonly string[] Words = ["", "a", "user", "assistant", "tool", "function", "json_schema", "auto", "none", "required", "on", "high", "text", "wizard", "\u0000", "😀", "<|im_end|>", "</answer>", "%s%n", "\\u0000"];

    private static readonly JsonNode?[] StrangeNumbers =
    [
        -1, 0, 1, 2, -2147483649L, 2147483648L, 9223372036854775807L, -9223372036854775808L, 1.5, -0.0, 1e-320, 1e308, -1e308,
        JsonNode.Parse("123456789012345678901234567890"), JsonNode.Parse("1e400"), JsonNode.Parse("-1e400"), 100, 101, 1999, 2000, 1000000, 5000,
    ];

    /// <summary>The POST endpoints with a JSON body, as the document lists them.</summary>
    public IReadOnlyList<string> Paths { get; } = [.. openApi["paths"]!.AsObject()
        .Where(p => p.Value?["post"]?["requestBody"]?["content"]?["application/json"] is not null)
        .Select(p => p.Key)];

    public FuzzCase Next(int index)
    {
        // Chat has by far the most fields, so it gets half of the cases.
        var path = random.Next(2) == 0 && Paths.Contains("/v1/chat/completions") ? "/v1/chat/completions" : Paths[random.Next(Paths.Count)];
        var recipe = new List<string>();
        JsonNode? body;
        if (Examples.TryGetValue(path, out var examples) && random.Next(3) > 0)
        {
            var example = random.Next(examples.Length);
            body = JsonNode.Parse(examples[example]);
            recipe.Add($"example {example}");
        }
        else
        {
            body = Generate(openApi["paths"]![path]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"], 0);
            recipe.Add("generated from the schema");
        }
        for (var i = random.Next(4); i > 0; i--)
            body = Mutate(body, recipe);
        Cheapen(path, body);
        var bytes = Encoding.UTF8.GetBytes(body?.ToJsonString() ?? "null");
        return new FuzzCase(index, path, MutateBytes(bytes, recipe), string.Join("; ", recipe));
    }

    /// <summary>A value valid for <paramref name="schema"/>; an open schema (a JsonElement field) gets any small JSON value.</summary>
    private JsonNode? Generate(JsonNode? schema, int depth)
    {
        schema = Resolve(schema);
        if (schema is not JsonObject shape || depth > 4 || (shape["type"] is null && shape["properties"] is null))
            return AnyValue(depth);
        if (shape["enum"] is JsonArray values && values.Count > 0)
            return values[random.Next(values.Count)]?.DeepClone();
        List<string> types = shape["type"] switch
        {
            JsonArray list => [.. list.Select(t => (string)t!).Where(t => t != "null")],
            JsonValue one => [(string)one!],
            _ => ["object"],
        };
        if (types.Count == 0 || random.Next(20) == 0)
            return null;
        switch (types[random.Next(types.Count)])
        {
            case "object":
                var result = new JsonObject();
                var required = shape["required"] is JsonArray r ? r.Select(n => (string)n!).ToHashSet() : [];
                foreach (var (name, property) in shape["properties"]?.AsObject() ?? [])
                    if (required.Contains(name) || random.Next(2) == 0)
                        result[name] = Generate(property, depth + 1);
                if (shape["additionalProperties"] is JsonObject additional)
                    for (var i = random.Next(3); i > 0; i--)
                        result[random.Next(10).ToString(System.Globalization.CultureInfo.InvariantCulture)] = Generate(additional, depth + 1);
                return result;
            case "array":
                var array = new JsonArray();
                for (var i = random.Next(4); i > 0; i--)
                    array.Add(Generate(shape["items"], depth + 1));
                return array;
            case "integer":
                return random.Next(-2, 40);
            case "number":
                return Math.Round(random.NextDouble() * 2.2 - 0.1, 2);
            case "boolean":
                return random.Next(2) == 0;
            default:
                return Words[random.Next(Words.Length)];
        }
    }

    private JsonNode? Resolve(JsonNode? schema)
    {
        for (var hops = 0; schema?["$ref"] is JsonValue reference && hops < 10; hops++)
            schema = openApi["components"]?["schemas"]?[((string)reference!).Split('/')[^1]];
        return schema;
    }

    private JsonNode? AnyValue(int depth) => random.Next(depth > 2 ? 4 : 7) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => random.Next(-5, 50),
        3 => Words[random.Next(Words.Length)],
        4 => new JsonArray([.. Enumerable.Range(0, random.Next(3)).Select(_ => AnyValue(depth + 1))]),
        _ => new JsonObject(Enumerable.Range(0, random.Next(3)).Select(i => KeyValuePair.Create(Words[random.Next(1, Words.Length)] + i, AnyValue(depth + 1)))),
    };

    private JsonNode? Mutate(JsonNode? body, List<string> recipe)
    {
        var slots = new List<Slot>();
        Collect(null, "", -1, body, "$", slots);
        // The kind of mutation is chosen first and then a slot it fits, so that numbers, strings, objects and lists each get
        // their own mutations often, however few of them a request holds.
        var kind = random.Next(10);
        List<Slot> fitting = kind switch
        {
            2 or 3 => [.. slots.Where(s => s.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)],
            5 => [.. slots.Where(s => s.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)],
            6 => [.. slots.Where(s => s.Parent is JsonObject)],
            7 => [.. slots.Where(s => s.Node is JsonObject)],
            8 => [.. slots.Where(s => s.Node is JsonArray)],
            _ => slots,
        };
        var (parent, key, index, node, path) = fitting.Count > 0 ? fitting[random.Next(fitting.Count)] : slots[random.Next(slots.Count)];
        JsonNode? replacement;
        string what;
        switch (kind)
        {
            case 0 or 1:
                replacement = OtherKind(node);
                what = "wrong type";
                break;
            case 2 or 3:
                replacement = StrangeNumbers[random.Next(StrangeNumbers.Length)]?.DeepClone();
                what = "strange number";
                break;
            case 4:
                replacement = Huge();
                what = "huge value";
                break;
            case 5:
                replacement = Words[random.Next(Words.Length)] + (random.Next(2) == 0 ? "" : "-unknown");
                what = "unknown string";
                break;
            case 6 when parent is JsonObject owner:
                owner.Remove(key);
                recipe.Add($"removed {path}");
                return body;
            case 7 when node is JsonObject target:
                target["unknown_" + random.Next(100)] = AnyValue(0);
                recipe.Add($"unknown field in {path}");
                return body;
            case 8 when node is JsonArray list:
                list.Clear();
                recipe.Add($"emptied {path}");
                return body;
            default:
                replacement = AnyValue(0);
                what = "random value";
                break;
        }
        recipe.Add($"{what} at {path}");
        switch (parent)
        {
            case JsonObject owner:
                owner[key] = replacement;
                return body;
            case JsonArray list:
                list[index] = replacement;
                return body;
            default:
                return replacement;
        }
    }

    private sealed record Slot(JsonNode? Parent, string Key, int Index, JsonNode? Node, string Path);

    private static void Collect(JsonNode? parent, string key, int index, JsonNode? node, string path, List<Slot> slots)
    {
        slots.Add(new Slot(parent, key, index, node, path));
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                    Collect(obj, name, -1, child, $"{path}.{name}", slots);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    Collect(array, "", i, array[i], $"{path}[{i}]", slots);
                break;
        }
    }

    private JsonNode? OtherKind(JsonNode? node)
    {
        var kind = node switch { null => 0, JsonObject => 1, JsonArray => 2, JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => 3, JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => 4, _ => 5 };
        var other = (kind + random.Next(1, 6)) % 6;
        return other switch
        {
            0 => null,
            1 => new JsonObject { ["x"] = 1 },
            2 => new JsonArray(1, "a", null),
            3 => "7",
            4 => random.Next(-3, 100),
            _ => true,
        };
    }

    private JsonNode Huge() => random.Next(4) switch
    {
        0 => new string('x', random.Next(10_000, 300_000)),
        1 => new JsonArray([.. Enumerable.Range(0, random.Next(1_000, 20_000)).Select(i => (JsonNode)i)]),
        2 => Nested(random.Next(20, 200), array: true),
        _ => Nested(random.Next(20, 200), array: false),
    };

    private static JsonNode Nested(int depth, bool array)
    {
        JsonNode node = 1;
        for (var i = 0; i < depth; i++)
            node = array ? new JsonArray(node) : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["a"] = node } };
        return node;
    }

    /// <summary>Keeps accepted generations short: a request that would otherwise generate long is given a small max_tokens.</summary>
    private void Cheapen(string path, JsonNode? body)
    {
        if (path is not ("/v1/chat/completions" or "/v1/completions") || body is not JsonObject request)
            return;
        foreach (var field in new[] { "max_tokens", "max_completion_tokens" })
            if (request[field] is JsonValue value && value.TryGetValue<long>(out var max) && max > 8 && max < 1_000_000)
                request[field] = 8;
        if (!request.ContainsKey("max_tokens") && !request.ContainsKey("max_completion_tokens"))
            request["max_tokens"] = random.Next(1, 9);
    }

    private byte[] MutateBytes(byte[] bytes, List<string> recipe)
    {
        switch (random.Next(12))
        {
            case 0 when bytes.Length > 1:
                var cut = random.Next(bytes.Length);
                recipe.Add($"truncated at byte {cut}");
                return bytes[..cut];
            case 1:
                byte[][] invalid = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82]];
                var quotes = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == (byte)'"').ToList();
                var at = quotes.Count > 0 ? quotes[random.Next(quotes.Count)] + 1 : random.Next(bytes.Length + 1);
                var insert = invalid[random.Next(invalid.Length)];
                recipe.Add($"invalid UTF-8 {Convert.ToHexString(insert)} at byte {at}");
                return [.. bytes[..at], .. insert, .. bytes[at..]];
            case 2:
                var quote = Array.IndexOf(bytes, (byte)'"', random.Next(bytes.Length + 1));
                if (quote < 0)
                    return bytes;
                recipe.Add($"lone surrogate escape at byte {quote + 1}");
                return [.. bytes[..(quote + 1)], .. "\\ud800"u8.ToArray(), .. bytes[(quote + 1)..]];
            default:
                return bytes;
        }
    }
}
