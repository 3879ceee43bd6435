using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HiPO.Inference.StructuredOutput;

/// <summary>A JSON schema uses a construct the grammar converter does not support; <see cref="Path"/> locates it.</summary>
public sealed class UnsupportedSchemaException(string path, string message) : Exception(message)
{
    public string Path { get; } = path;
}

/// <summary>
/// Converts a JSON schema into a llama.cpp GBNF grammar for compact JSON (no insignificant whitespace), so that
/// structured output is valid by construction. Supported: <c>type</c> (object, array, string, number, integer,
/// boolean, null, or a list of them), <c>properties</c>/<c>required</c> (properties in declared order),
/// <c>additionalProperties: false</c>, <c>items</c>, <c>minItems</c>/<c>maxItems</c>, <c>enum</c>, <c>const</c>,
/// <c>anyOf</c>, <c>minLength</c>/<c>maxLength</c>, and the annotations <c>title</c>, <c>description</c>,
/// <c>default</c>, <c>examples</c>, <c>$schema</c>. Anything else (e.g. <c>$ref</c>, <c>pattern</c>, <c>format</c>,
/// <c>minimum</c>) is refused with <see cref="UnsupportedSchemaException"/> rather than silently ignored.
/// </summary>
public sealed class JsonSchemaGrammar
{
    private const string Primitives = """
        string ::= "\"" char* "\""
        char ::= [^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})
        number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?
        integer ::= "-"? ("0" | [1-9] [0-9]{0,15})
        boolean ::= "true" | "false"
        null ::= "null"
        value ::= object | array | string | number | boolean | null
        object ::= "{" (string ":" value ("," string ":" value)*)? "}"
        array ::= "[" (value ("," value)*)? "]"
        """;

    private static readonly HashSet<string> Annotations = ["title", "description", "default", "examples", "$schema", "$comment"];
    private static readonly HashSet<string> Understood = ["type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "anyOf", "minLength", "maxLength", "strict"];

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<string> _rules = [];
    private int _next;

    /// <summary>A grammar for any JSON object (<c>response_format: json_object</c>).</summary>
    public static string AnyObject() => "root ::= \"\\n\"? object\n" + Primitives;

    /// <summary>A grammar for JSON that matches <paramref name="schema"/>.</summary>
    public static string FromSchema(JsonElement schema)
    {
        var converter = new JsonSchemaGrammar();
        return converter.Assemble(converter.Rule(schema, "$"));
    }

    /// <summary>
    /// A grammar for an answer made of tool calls only (<c>tool_choice</c> required or a named function): one call,
    /// or several when <paramref name="parallel"/>, each <c>&lt;tool_call&gt;{"name":...,"arguments":{...}}&lt;/tool_call&gt;</c>
    /// with the arguments held to that function's parameter schema.
    /// </summary>
    public static string ForToolCalls(IReadOnlyList<(string Name, JsonElement? Parameters)> functions, bool parallel)
    {
        var converter = new JsonSchemaGrammar();
        var calls = functions.Select((f, i) =>
            "\"{\\\"name\\\":\" " + Literal(JsonSerializer.SerializeToElement(f.Name)) + " \",\\\"arguments\\\":\" " +
            (f.Parameters is { } p ? converter.Rule(p, $"tools[{i}].function.parameters") : "object") + " \"}\"").ToList();
        var call = converter.Define("\"<tool_call>\\n\" (" + string.Join(" | ", calls) + ") \"\\n</tool_call>\"");
        return converter.Assemble(parallel ? $"{call} (\"\\n\" {call})*" : call);
    }

    /// <summary>The whole grammar; the root allows the newline the model conventionally writes after <c>&lt;answer&gt;</c>.</summary>
    private string Assemble(string root) => new StringBuilder()
        .Append("root ::= \"\\n\"? ").AppendLine(root)
        .AppendJoin('\n', _rules).AppendLine()
        .Append(Primitives).ToString();

    private string Rule(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return "value";
        if (schema.ValueKind != JsonValueKind.Object)
            throw new UnsupportedSchemaException(path, $"The schema at {path} must be an object.");
        foreach (var property in schema.EnumerateObject())
            if (!Understood.Contains(property.Name) && !Annotations.Contains(property.Name))
                throw new UnsupportedSchemaException($"{path}.{property.Name}", $"JSON schema keyword '{property.Name}' (at {path}) is not supported.");

        if (schema.TryGetProperty("const", out var constant))
            return Literal(constant);
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw new UnsupportedSchemaException($"{path}.enum", $"'enum' at {path} must be a non-empty array.");
            return Define("(" + string.Join(" | ", values.EnumerateArray().Select(Literal)) + ")");
        }
        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
                throw new UnsupportedSchemaException($"{path}.anyOf", $"'anyOf' at {path} must be a non-empty array.");
            return Define("(" + string.Join(" | ", anyOf.EnumerateArray().Select((s, i) => Rule(s, $"{path}.anyOf[{i}]"))) + ")");
        }
        if (!schema.TryGetProperty("type", out var type))
            return "value";
        if (type.ValueKind == JsonValueKind.Array)
            return Define("(" + string.Join(" | ", type.EnumerateArray().Select(t => TypeRule(schema, t.GetString(), path))) + ")");
        return TypeRule(schema, type.GetString(), path);
    }

    private string TypeRule(JsonElement schema, string? type, string path) => type switch
    {
        "object" => ObjectRule(schema, path),
        "array" => ArrayRule(schema, path),
        "string" => StringRule(schema, path),
        "number" or "integer" or "boolean" or "null" => type,
        _ => throw new UnsupportedSchemaException($"{path}.type", $"JSON schema type '{type}' (at {path}) is not supported."),
    };

    private string ObjectRule(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind is not (JsonValueKind.False or JsonValueKind.True))
            throw new UnsupportedSchemaException($"{path}.additionalProperties", $"'additionalProperties' with a schema (at {path}) is not supported; use false.");
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            return "object";
        var required = schema.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(r => r.GetString()).ToHashSet()
            : [];
        var members = properties.EnumerateObject()
            .Select(p => (Required: required.Contains(p.Name), Rule: Literal(JsonSerializer.SerializeToElement(p.Name)) + " \":\" " + Rule(p.Value, $"{path}.properties.{p.Name}")))
            .ToList();
        return Define("\"{\" " + Members(members, 0, first: true) + " \"}\"");
    }

    /// <summary>Members from <paramref name="index"/> on, in declared order, required ones always present, commas only between present ones.</summary>
    private string Members(List<(bool Required, string Rule)> members, int index, bool first)
    {
        if (index == members.Count)
            return "";
        var (required, rule) = members[index];
        var item = first ? rule : "\",\" " + rule;
        var rest = Members(members, index + 1, first: false);
        if (required)
            return $"{item} {rest}".Trim();
        if (!first)
            return $"({item})? {rest}".Trim();
        // Nothing is written yet: either this member comes first, or it is absent and the next one is first.
        var without = Members(members, index + 1, first: true);
        return without.Length == 0 ? $"({item})?" : Define($"({item} {rest} | {without})".Replace("  ", " ", StringComparison.Ordinal));
    }

    private string ArrayRule(JsonElement schema, string path)
    {
        var item = schema.TryGetProperty("items", out var items) ? Rule(items, $"{path}.items") : "value";
        var min = schema.TryGetProperty("minItems", out var minItems) ? minItems.GetInt32() : 0;
        var max = schema.TryGetProperty("maxItems", out var maxItems) ? maxItems.GetInt32() : (int?)null;
        if (min > 100 || max > 100 || max < min)
            throw new UnsupportedSchemaException($"{path}.maxItems", $"minItems/maxItems at {path} must satisfy 0 <= minItems <= maxItems <= 100.");
        if (max == 0)
            return Define("\"[\" \"]\"");
        var repeat = max is { } m ? $"{{{Math.Max(0, min - 1)},{m - 1}}}" : min > 1 ? $"{{{min - 1},}}" : "*";
        var body = $"{item} (\",\" {item}){repeat}";
        return Define(min == 0 ? $"\"[\" ({body})? \"]\"" : $"\"[\" {body} \"]\"");
    }

    private string StringRule(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("minLength", out var minLength) && !schema.TryGetProperty("maxLength", out _))
            return "string";
        var min = schema.TryGetProperty("minLength", out minLength) ? minLength.GetInt32() : 0;
        var max = schema.TryGetProperty("maxLength", out var maxLength) ? maxLength.GetInt32().ToString(CultureInfo.InvariantCulture) : "";
        if (min < 0 || min > 10_000)
            throw new UnsupportedSchemaException($"{path}.minLength", $"minLength at {path} must be between 0 and 10000.");
        return Define($"\"\\\"\" char{{{min},{max}}} \"\\\"\"");
    }

    private string Define(string body)
    {
        var name = "r" + _next++.ToString(CultureInfo.InvariantCulture);
        _rules.Add($"{name} ::= {body}");
        return name;
    }

    /// <summary>A JSON value written compactly, as a GBNF string literal.</summary>
    private static string Literal(JsonElement value)
    {
        var json = JsonSerializer.Serialize(value, Compact);
        return "\"" + json.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
