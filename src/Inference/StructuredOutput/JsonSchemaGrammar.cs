using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HiPO.Inference.StructuredOutput;

/// <summary>
/// Converts a JSON schema into a llama.cpp GBNF grammar for compact JSON (no insignificant whitespace), so that
/// structured output is valid by construction: every value the grammar accepts validates against the schema. Where the
/// schema allows more than a grammar can express, the grammar produces a valid part of it (only the declared
/// properties, at most <see cref="MaxRepetitions"/> repetitions, decimals without exponents); what cannot be kept
/// valid is refused with <see cref="UnsupportedSchemaException"/> naming the keyword and its path, never ignored.
/// The README lists the supported keywords.
/// </summary>
public sealed class JsonSchemaGrammar
{
    /// <summary>
    /// The most repetitions one <c>{m,n}</c> may have. llama.cpp's grammar parser (llama-grammar.cpp) refuses a count
    /// above MAX_REPETITION_THRESHOLD (2000), and also a repeated item whose rule count times the repetition reaches it;
    /// every repeated item written here is one rule, so 1999 is the limit.
    /// </summary>
    public const int MaxRepetitions = 1999;

    /// <summary>An upper repetition bound lowered to <see cref="MaxRepetitions"/>: the output stays valid, within what llama.cpp accepts.</summary>
    internal static int? CapRepetitions(int? max) => max is { } m ? Math.Min(m, MaxRepetitions) : null;

    // char excludes what is not Unicode text although llama.cpp's UTF-8 decoder or JSON's syntax lets it through:
    // surrogates (raw or as \u escapes) and code points past U+10FFFF.
    private const string Primitives = """
        string ::= "\"" char* "\""
        char ::= [^"\\\x00-\x1F\uD800-\uDFFF\U00110000-\UFFFFFFFF] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))
        number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?
        integer ::= "-"? ("0" | [1-9] [0-9]{0,15})
        boolean ::= "true" | "false"
        null ::= "null"
        value ::= object | array | string | number | boolean | null
        object ::= "{" (string ":" value ("," string ":" value)*)? "}"
        array ::= "[" (value ("," value)*)? "]"
        """;

    private const int MaxMerges = 1000;

    private static readonly HashSet<string> Annotations =
    [
        "title", "description", "default", "examples", "example", "$schema", "$comment", "$id", "$defs", "definitions",
        "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType", "discriminator", "strict",
    ];

    private static readonly HashSet<string> Understood =
    [
        "type", "properties", "required", "additionalProperties", "propertyNames", "minProperties", "maxProperties",
        "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "enum", "const", "anyOf", "oneOf",
        "allOf", "$ref", "nullable", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum",
    ];

    private static readonly string[] ObjectKeywords = ["properties", "additionalProperties", "propertyNames", "minProperties", "maxProperties", "required"];
    private static readonly string[] ArrayKeywords = ["items", "prefixItems", "additionalItems", "minItems", "maxItems"];
    private static readonly string[] StringKeywords = ["minLength", "maxLength", "pattern", "format"];
    private static readonly string[] NumberKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<string?> _bodies = [];
    private readonly Dictionary<string, int> _references = new(StringComparer.Ordinal);
    private JsonElement _root;
    private string _rootPath = "$";
    // References being compiled with no input consumed since they were entered: reaching one again is left recursion.
    private HashSet<string> _unconsumed = new(StringComparer.Ordinal);
    private int _merges;

    /// <summary>A grammar for any JSON object (<c>response_format: json_object</c>).</summary>
    public static string AnyObject() => "root ::= \"\\n\"? object\n" + Primitives;

    /// <summary>A grammar for JSON that matches <paramref name="schema"/>.</summary>
    public static string FromSchema(JsonElement schema)
    {
        var converter = new JsonSchemaGrammar();
        return converter.Assemble(converter.RootRule(schema, "$"));
    }

    /// <summary>
    /// A grammar for an answer made of tool calls only (<c>tool_choice</c> required or a named function): one call,
    /// or several when <paramref name="parallel"/>, each <c>&lt;tool_call&gt;{"name":...,"arguments":{...}}&lt;/tool_call&gt;</c>
    /// with the arguments held to that function's parameter schema.
    /// </summary>
    public static string ForToolCalls(IReadOnlyList<(string Name, JsonElement? Parameters, string Path)> functions, bool parallel)
    {
        var converter = new JsonSchemaGrammar();
        var calls = functions.Select(f =>
            "\"{\\\"name\\\":\" " + Literal(JsonSerializer.SerializeToElement(f.Name)) + " \",\\\"arguments\\\":\" " +
            (f.Parameters is { } p ? converter.RootRule(p, f.Path) : "object") + " \"}\"").ToList();
        var call = converter.Define("\"<tool_call>\\n\" (" + string.Join(" | ", calls) + ") \"\\n</tool_call>\"");
        return converter.Assemble(parallel ? $"{call} (\"\\n\" {call})*" : call);
    }

    /// <summary>The whole grammar; the root allows the newline the model conventionally writes after <c>&lt;answer&gt;</c>.</summary>
    private string Assemble(string root)
    {
        var grammar = new StringBuilder().Append("root ::= \"\\n\"? ").AppendLine(root);
        for (var i = 0; i < _bodies.Count; i++)
            grammar.Append('r').Append(i.ToString(CultureInfo.InvariantCulture)).Append(" ::= ").AppendLine(_bodies[i]);
        return grammar.Append(Primitives).ToString();
    }

    /// <summary>Compiles a schema document; its <c>$ref</c>s resolve against it.</summary>
    private string RootRule(JsonElement schema, string path)
    {
        (_root, _rootPath) = (schema, path);
        return Rule(schema, path);
    }

    private string Rule(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return "value";
        if (schema.ValueKind == JsonValueKind.False)
            throw new UnsupportedSchemaException(path, $"The schema at {path} is false: no value can match it.");
        if (schema.ValueKind != JsonValueKind.Object)
            throw new UnsupportedSchemaException(path, $"The schema at {path} must be an object or a boolean.");
        foreach (var property in schema.EnumerateObject())
            if (!Understood.Contains(property.Name) && !Annotations.Contains(property.Name))
                throw Refuse(path, property.Name, "is not supported");

        if (schema.TryGetProperty("$ref", out var reference))
            return HasConstraints(schema, "$ref") ? Merged([schema], path) : ReferenceRule(reference, path);
        if (schema.TryGetProperty("allOf", out _))
            return Merged([schema], path);
        if (schema.TryGetProperty("nullable", out var nullable))
        {
            if (nullable.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw Refuse(path, "nullable", "must be a boolean");
            var inner = Rule(Without(schema, "nullable"), path);
            return nullable.ValueKind == JsonValueKind.True ? Define($"({inner} | null)") : inner;
        }
        if (schema.TryGetProperty("const", out var constant))
            return Literal(constant);
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw Refuse(path, "enum", "must be a non-empty array");
            return Define("(" + string.Join(" | ", values.EnumerateArray().Select(Literal)) + ")");
        }
        foreach (var keyword in (string[])["anyOf", "oneOf"])
            if (schema.TryGetProperty(keyword, out var options))
                return Alternatives(schema, keyword, options, path);

        var types = Types(schema, path);
        if (types.Count == 0)
            return "value";
        return types.Count == 1 ? TypeRule(schema, types[0], path) : Define("(" + string.Join(" | ", types.Select(t => TypeRule(schema, t, path))) + ")");
    }

    /// <summary>anyOf, and oneOf read the same way (as llama.cpp does): keywords beside it apply to every option.</summary>
    private string Alternatives(JsonElement schema, string keyword, JsonElement options, string path)
    {
        if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0)
            throw Refuse(path, keyword, "must be a non-empty array");
        var rest = Without(schema, keyword);
        var shared = HasConstraints(rest);
        var rules = options.EnumerateArray().Select((option, i) =>
        {
            var at = $"{path}.{keyword}[{i}]";
            return shared ? Merged([rest, option], at) : Rule(option, at);
        });
        return Define("(" + string.Join(" | ", rules) + ")");
    }

    /// <summary>The declared types, or those the keywords imply (none: any value).</summary>
    private static List<string> Types(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            var names = type.ValueKind switch
            {
                JsonValueKind.String => [type.GetString()!],
                JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                    type.EnumerateArray().Select(t => t.GetString()!).Distinct().ToList(),
                _ => throw Refuse(path, "type", "must be a type name or a non-empty array of them"),
            };
            foreach (var name in names)
                if (name is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null"))
                    throw new UnsupportedSchemaException($"{path}.type", $"JSON schema type '{name}' (at {path}) is not supported.");
            return names;
        }
        var implied = new List<string>();
        if (ObjectKeywords.Any(k => schema.TryGetProperty(k, out _)))
            implied.Add("object");
        if (ArrayKeywords.Any(k => schema.TryGetProperty(k, out _)))
            implied.Add("array");
        if (StringKeywords.Any(k => schema.TryGetProperty(k, out _)))
            implied.Add("string");
        if (NumberKeywords.Any(k => schema.TryGetProperty(k, out _)))
            implied.Add("number");
        return implied;
    }

    private string TypeRule(JsonElement schema, string type, string path) => type switch
    {
        "object" => Consuming(() => ObjectRule(schema, path)),
        "array" => Consuming(() => ArrayRule(schema, path)),
        "string" => StringRule(schema, path),
        "number" or "integer" => NumberRule(schema, type, path),
        _ => type,
    };

    /// <summary>Compiles what comes after an opening bracket: references reached from there are not left-recursive.</summary>
    private string Consuming(Func<string> compile)
    {
        var outer = _unconsumed;
        _unconsumed = new(StringComparer.Ordinal);
        try
        {
            return compile();
        }
        finally
        {
            _unconsumed = outer;
        }
    }

    private string ObjectRule(JsonElement schema, string path)
    {
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (properties.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
            throw Refuse(path, "properties", "must be an object");
        var required = Names(schema, "required", path);
        var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
        var minProperties = Count(schema, "minProperties", path) ?? 0;
        var maxProperties = Count(schema, "maxProperties", path);

        var members = new List<(string Name, bool Required, JsonElement Schema)>();
        if (properties.ValueKind == JsonValueKind.Object)
            members.AddRange(properties.EnumerateObject().Select(m => (m.Name, required.Contains(m.Name), m.Value)));
        foreach (var name in required.Where(r => members.All(m => m.Name != r)))
        {
            // A required property the schema does not declare is still a property: it takes additionalProperties' schema.
            if (additional.ValueKind == JsonValueKind.False)
                throw Refuse(path, "required", $"names '{name}', which additionalProperties: false forbids");
            members.Add((name, true, additional.ValueKind == JsonValueKind.Object ? additional : JsonDocument.Parse("true").RootElement));
        }

        if (members.Count > 0)
        {
            if (schema.TryGetProperty("propertyNames", out var names) && !members.All(m => NameAllowed(names, m.Name)))
                throw Refuse(path, "propertyNames", "is supported beside properties only as an enum or const that lists them all");
            if (minProperties > members.Count(m => m.Required))
                throw Refuse(path, "minProperties", "is supported only up to the number of required properties");
            if (maxProperties < members.Count)
                throw Refuse(path, "maxProperties", "is supported only from the number of declared properties");
            return DeclaredMembers(members, path);
        }
        return MapRule(schema, additional, minProperties, maxProperties, path);
    }

    private string DeclaredMembers(List<(string Name, bool Required, JsonElement Schema)> members, string path)
    {
        var rules = members
            .Select(m => (m.Required, Rule: Literal(JsonSerializer.SerializeToElement(m.Name)) + " \":\" " + Rule(m.Schema, $"{path}.properties.{m.Name}")))
            .ToList();
        return Define(("\"{\" " + Members(rules, 0, first: true) + " \"}\"").Replace("  ", " ", StringComparison.Ordinal));
    }

    /// <summary>
    /// An object used as a map (zod's z.record, Python's dict[str, T]): keys from propertyNames, values from
    /// additionalProperties. Keys drawn from an enum are written in order, each at most once.
    /// </summary>
    private string MapRule(JsonElement schema, JsonElement additional, int minProperties, int? maxProperties, string path)
    {
        var hasNames = schema.TryGetProperty("propertyNames", out var names);
        if (additional.ValueKind == JsonValueKind.False)
            return minProperties == 0 ? "\"{\" \"}\"" : throw Refuse(path, "minProperties", "cannot be met when additionalProperties is false");
        var value = additional.ValueKind == JsonValueKind.Object ? Rule(additional, $"{path}.additionalProperties") : "value";
        if (!hasNames && value == "value" && minProperties == 0 && maxProperties is null)
            return "object";

        if (hasNames && names.ValueKind == JsonValueKind.Object && (names.TryGetProperty("enum", out _) || names.TryGetProperty("const", out _)))
        {
            var keys = names.TryGetProperty("const", out var single) ? [single]
                : names.GetProperty("enum") is { ValueKind: JsonValueKind.Array } listed ? listed.EnumerateArray().ToList() : [];
            if (keys.Count == 0 || keys.Any(k => k.ValueKind != JsonValueKind.String))
                throw Refuse($"{path}.propertyNames", "enum", "must be a non-empty list of strings");
            if (minProperties > 0 || maxProperties < keys.Count)
                throw Refuse(path, minProperties > 0 ? "minProperties" : "maxProperties", "is not supported with an enum of property names");
            return Define(("\"{\" " + Members([.. keys.Distinct(JsonElementText.Instance).Select(k => (false, Literal(k) + " \":\" " + value))], 0, first: true) + " \"}\"")
                .Replace("  ", " ", StringComparison.Ordinal));
        }

        var key = hasNames ? PropertyNameRule(names, $"{path}.propertyNames") : "string";
        var pair = Define($"{key} \":\" {value}");
        var (low, high) = Repetitions(minProperties, maxProperties, path, "minProperties");
        if (high == 0)
            return "\"{\" \"}\"";
        // The list is a rule of its own: llama.cpp counts the rules inside an optional group against its repetition limit.
        var list = Define($"{pair} (\",\" {pair}){Following(low, high)}");
        return Define(low == 0 ? $"\"{{\" {list}? \"}}\"" : $"\"{{\" {list} \"}}\"");
    }

    private static bool NameAllowed(JsonElement names, string name) =>
        names.ValueKind == JsonValueKind.True ||
        names.ValueKind == JsonValueKind.Object && !names.EnumerateObject().Any(k => k.Name is not ("type" or "enum" or "const") && !Annotations.Contains(k.Name)) &&
        (!names.TryGetProperty("type", out var t) || t.ValueKind == JsonValueKind.String && t.GetString() == "string") &&
        (!names.TryGetProperty("const", out var c) || c.ValueKind == JsonValueKind.String && c.GetString() == name) &&
        (!names.TryGetProperty("enum", out var e) || e.ValueKind == JsonValueKind.Array && e.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && v.GetString() == name));

    private string PropertyNameRule(JsonElement names, string path)
    {
        if (names.ValueKind == JsonValueKind.True)
            return "string";
        if (names.ValueKind != JsonValueKind.Object)
            throw new UnsupportedSchemaException(path, $"The schema at {path} must be an object.");
        var types = Types(names, path);
        if (types.Any(t => t != "string"))
            throw Refuse(path, "type", "must be 'string' for property names");
        return StringRule(names, path);
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
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind != JsonValueKind.False)
            throw Refuse(path, "uniqueItems", "is supported only as false");
        var min = Count(schema, "minItems", path) ?? 0;
        var max = Count(schema, "maxItems", path);
        if (max < min)
            throw Refuse(path, "maxItems", "is below minItems");

        // Tuples: prefixItems (2020-12), or items as an array with additionalItems (drafts 4 to 2019-09).
        var tuple = schema.TryGetProperty("prefixItems", out var prefix) ? prefix
            : schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items : default;
        var restKeyword = tuple.ValueKind == JsonValueKind.Undefined || schema.TryGetProperty("prefixItems", out _) ? "items" : "additionalItems";
        if (tuple.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Array))
            throw Refuse(path, "prefixItems", "must be an array");
        var rest = schema.TryGetProperty(restKeyword, out var r) ? r : default;
        if (tuple.ValueKind == JsonValueKind.Undefined)
        {
            var item = rest.ValueKind == JsonValueKind.Undefined ? "value" : Rule(rest, $"{path}.items");
            var (low, high) = Repetitions(min, max, path, "minItems");
            if (high == 0)
                return "\"[\" \"]\"";
            var body = Define($"{item} (\",\" {item}){Following(low, high)}");
            return Define(low == 0 ? $"\"[\" {body}? \"]\"" : $"\"[\" {body} \"]\"");
        }

        // Every prefix item is written (fewer only when maxItems says so); more only as far as minItems needs them.
        var fixedItems = tuple.EnumerateArray().Take(max ?? int.MaxValue).Select((s, i) => Rule(s, $"{path}.prefixItems[{i}]")).ToList();
        var extra = Math.Max(0, min - fixedItems.Count);
        if (extra > 0 && rest.ValueKind == JsonValueKind.False)
            throw Refuse(path, "minItems", $"asks for more items than {restKeyword}: false allows");
        var extraItem = extra == 0 ? "" : rest.ValueKind is JsonValueKind.Undefined or JsonValueKind.True ? "value" : Rule(rest, $"{path}.{restKeyword}");
        var all = fixedItems.Concat(Enumerable.Repeat(extraItem, extra > MaxRepetitions ? throw Refuse(path, "minItems", $"exceeds the limit of {MaxRepetitions}") : extra)).ToList();
        return all.Count == 0 ? "\"[\" \"]\"" : Define("\"[\" " + string.Join(" \",\" ", all) + " \"]\"");
    }

    /// <summary>Repetition bounds within what llama.cpp accepts: a lower maximum keeps the output valid, a higher minimum cannot.</summary>
    private static (int Low, int? High) Repetitions(int min, int? max, string path, string minKeyword)
    {
        if (min > MaxRepetitions)
            throw Refuse(path, minKeyword, $"is {min}, above the limit of {MaxRepetitions}");
        return (min, CapRepetitions(max));
    }

    /// <summary>The repetition of one item after the first: <paramref name="low"/> and <paramref name="high"/> count all items.</summary>
    private static string Following(int low, int? high) => Quantifier(Math.Max(0, low - 1), high - 1);

    private static string Quantifier(int min, int? max) => (min, max) switch
    {
        (0, null) => "*",
        (_, null) => $"{{{min},}}",
        _ when min == max => $"{{{min}}}",
        _ => $"{{{min},{max}}}",
    };

    private string StringRule(JsonElement schema, string path)
    {
        var minLength = Count(schema, "minLength", path) ?? 0;
        var maxLength = Count(schema, "maxLength", path);
        if (maxLength < minLength)
            throw Refuse(path, "maxLength", "is below minLength");
        if (StringLanguage(schema, path, Define, minLength, maxLength) is { } language)
        {
            if (language.MinLength < minLength || language.MaxLength > maxLength || language.MaxLength is null && maxLength is not null)
                throw Refuse(path, schema.TryGetProperty("pattern", out _) ? "pattern" : "format", "cannot be combined with these minLength/maxLength");
            return Define("\"\\\"\" " + language.Body + " \"\\\"\"");
        }
        if (minLength == 0 && maxLength is null)
            return "string";
        var (low, high) = Repetitions(minLength, maxLength, path, "minLength");
        return Define($"\"\\\"\" char{Quantifier(low, high)} \"\\\"\"");
    }

    /// <summary>
    /// The strings of a known <c>format</c>, else of <c>pattern</c>. Generators write both for the same thing (zod:
    /// <c>format: email</c> with its own email pattern); the format's plain spelling (see <see cref="StringFormats"/>)
    /// meets the format's definition and such patterns, where a pattern alone can be looser than the format.
    /// </summary>
    private static StringLanguage? StringLanguage(JsonElement schema, string path, Func<string, string> define, int minLength, int? maxLength)
    {
        string? format = null;
        if (schema.TryGetProperty("format", out var f))
            format = f.ValueKind == JsonValueKind.String ? f.GetString() : throw Refuse(path, "format", "must be a string");
        if (format is not null && StringFormats.PatternOf(format) is { } formatPattern)
            return RegexGrammar.Compile(formatPattern, path, define, minLength, maxLength);
        if (schema.TryGetProperty("pattern", out var p))
            return p.ValueKind == JsonValueKind.String
                ? RegexGrammar.Compile(p.GetString()!, path, define, minLength, maxLength)
                : throw Refuse(path, "pattern", "must be a string");
        if (format is null || StringFormats.NumberAnnotations.Contains(format))
            return null;
        throw Refuse(path, "format", $"'{format}' is not supported; supported formats are {string.Join(", ", StringFormats.Names)} (or give a pattern)");
    }

    private string NumberRule(JsonElement schema, string type, string path)
    {
        var min = Bound(schema, "minimum", "exclusiveMinimum", path, lower: true);
        var max = Bound(schema, "maximum", "exclusiveMaximum", path, lower: false);
        if (min is null && max is null)
            return type;
        var rule = type == "integer" ? NumberRangeGrammar.Integer(min, max) : NumberRangeGrammar.Number(min, max);
        return rule is null
            ? throw Refuse(path, min is null ? "maximum" : "minimum", $"leaves no {type} this server can write (at most 16 digits, no exponent)")
            : Define(rule);
    }

    /// <summary>The tighter of the inclusive and exclusive bound (draft 4's boolean exclusive form too); null when unbounded.</summary>
    private static NumberBound? Bound(JsonElement schema, string inclusive, string exclusive, string path, bool lower)
    {
        NumberBound? bound = null;
        var flag = schema.TryGetProperty(exclusive, out var e) && e.ValueKind == JsonValueKind.True;
        if (schema.TryGetProperty(inclusive, out var i))
            bound = Number(i, inclusive, flag, path, lower);
        if (e.ValueKind == JsonValueKind.Number && Number(e, exclusive, true, path, lower) is { } strict &&
            (bound is not { } b || (lower ? strict.Value >= b.Value : strict.Value <= b.Value)))
            bound = strict;
        else if (e.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            throw Refuse(path, exclusive, "must be a number");
        return bound;
    }

    /// <summary>A bound as a decimal; one beyond decimal's range leaves that side open, or the other side empty.</summary>
    private static NumberBound? Number(JsonElement value, string keyword, bool exclusive, string path, bool lower)
    {
        if (value.ValueKind != JsonValueKind.Number)
            throw Refuse(path, keyword, "must be a number");
        if (value.TryGetDecimal(out var d))
            return new NumberBound(d, exclusive);
        var huge = value.GetDouble();
        if (lower == huge < 0)
            return null;
        return new NumberBound(huge < 0 ? decimal.MinValue : decimal.MaxValue, exclusive);
    }

    private string ReferenceRule(JsonElement reference, string path)
    {
        var pointer = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : throw Refuse(path, "$ref", "must be a string");
        var key = _rootPath + pointer;
        if (_references.TryGetValue(key, out var known))
        {
            if (_unconsumed.Contains(key))
                throw Refuse(path, "$ref", $"'{pointer}' refers back to itself before any input (left recursion)");
            return Name(known);
        }
        var target = Resolve(pointer, path);
        var index = _bodies.Count;
        _bodies.Add(null);
        _references[key] = index;
        _unconsumed.Add(key);
        _bodies[index] = Rule(target, $"{_rootPath}{pointer[1..].Replace('/', '.')}");
        _unconsumed.Remove(key);
        return Name(index);
    }

    /// <summary>Resolves a JSON pointer inside the schema document (<c>#</c>, <c>#/$defs/X</c>, <c>#/definitions/X</c>, ...).</summary>
    private JsonElement Resolve(string pointer, string path)
    {
        if (pointer != "#" && !pointer.StartsWith("#/", StringComparison.Ordinal))
            throw Refuse(path, "$ref", $"'{pointer}' is not supported: only references inside the schema (#/...) are");
        var node = _root;
        foreach (var raw in pointer.Length > 1 ? pointer[2..].Split('/') : [])
        {
            var token = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(token, out var child))
                node = child;
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < node.GetArrayLength())
                node = node[i];
            else
                throw Refuse(path, "$ref", $"'{pointer}' does not resolve");
        }
        return node;
    }

    /// <summary>
    /// The rule for schemas merged into one. Merging inlines references rather than naming them, so a budget of merges
    /// per schema stops one that would recurse without end (or branch exponentially) through them.
    /// </summary>
    private string Merged(List<JsonElement> schemas, string path)
    {
        if (++_merges > MaxMerges)
            throw Refuse(path, "$ref", $"recurses through allOf/anyOf merges without end (more than {MaxMerges} merges)");
        return Rule(Merge(schemas, path), path);
    }

    /// <summary>
    /// Merges schemas that must all hold (allOf, or a $ref with sibling keywords) into one: properties and required
    /// lists are joined, types intersected, bounds tightened. Keywords that differ otherwise cannot be merged and are refused.
    /// </summary>
    private JsonElement Merge(List<JsonElement> schemas, string path)
    {
        var merged = new JsonObject();
        var parts = new List<JsonElement>();
        foreach (var schema in schemas)
            Expand(schema, path, parts, depth: 0);
        foreach (var part in parts)
        foreach (var property in part.EnumerateObject())
            MergeKeyword(merged, property.Name, property.Value, path);
        return Element(merged);
    }

    /// <summary>Flattens nested allOf and inlines $ref targets into the list of schemas to merge.</summary>
    private void Expand(JsonElement schema, string path, List<JsonElement> parts, int depth)
    {
        if (depth > 16)
            throw Refuse(path, "allOf", "nests references too deeply to merge");
        if (schema.ValueKind == JsonValueKind.True)
            return;
        if (schema.ValueKind != JsonValueKind.Object)
            throw new UnsupportedSchemaException(path, $"The schemas under allOf at {path} must be objects.");
        if (schema.TryGetProperty("$ref", out var reference))
            Expand(Resolve(reference.ValueKind == JsonValueKind.String ? reference.GetString()! : throw Refuse(path, "$ref", "must be a string"), path), path, parts, depth + 1);
        if (schema.TryGetProperty("allOf", out var all))
        {
            if (all.ValueKind != JsonValueKind.Array)
                throw Refuse(path, "allOf", "must be an array");
            foreach (var item in all.EnumerateArray())
                Expand(item, path, parts, depth + 1);
        }
        parts.Add(Without(schema, "$ref", "allOf"));
    }

    private static void MergeKeyword(JsonObject merged, string name, JsonElement value, string path)
    {
        var existing = merged[name];
        if (existing is null)
        {
            merged[name] = Node(value);
            return;
        }
        switch (name)
        {
            case "properties" when value.ValueKind == JsonValueKind.Object && existing is JsonObject properties:
                foreach (var property in value.EnumerateObject())
                {
                    var other = properties[property.Name];
                    properties[property.Name] = other is null || JsonNode.DeepEquals(other, Node(property.Value))
                        ? Node(property.Value)
                        : new JsonObject { ["allOf"] = new JsonArray(other.DeepClone(), Node(property.Value)) };
                }
                return;
            case "required" when value.ValueKind == JsonValueKind.Array && existing is JsonArray list:
                foreach (var item in value.EnumerateArray())
                    if (!list.Any(n => JsonNode.DeepEquals(n, Node(item))))
                        list.Add(Node(item));
                return;
            case "type":
                var types = TypeSet(existing).Intersect(TypeSet(Node(value))).ToList();
                if (TypeSet(existing).Contains("number") && TypeSet(Node(value)).Contains("integer") && !types.Contains("integer"))
                    types.Add("integer");
                merged[name] = types.Count switch
                {
                    0 => throw Refuse(path, "allOf", "combines schemas of different types"),
                    1 => types[0],
                    _ => new JsonArray([.. types.Select(t => (JsonNode)t)]),
                };
                return;
            case "minimum" or "exclusiveMinimum" or "minLength" or "minItems" or "minProperties" when value.ValueKind == JsonValueKind.Number && existing.GetValueKind() == JsonValueKind.Number:
                merged[name] = Math.Max(existing.GetValue<double>(), value.GetDouble());
                return;
            case "maximum" or "exclusiveMaximum" or "maxLength" or "maxItems" or "maxProperties" when value.ValueKind == JsonValueKind.Number && existing.GetValueKind() == JsonValueKind.Number:
                merged[name] = Math.Min(existing.GetValue<double>(), value.GetDouble());
                return;
        }
        if (!Annotations.Contains(name) && !JsonNode.DeepEquals(existing, Node(value)))
            throw Refuse(path, "allOf", $"cannot be merged: '{name}' differs between its schemas");
    }

    private static IEnumerable<string> TypeSet(JsonNode? type) => type switch
    {
        JsonArray list => list.Select(TypeName),
        JsonValue single => [TypeName(single)],
        _ => [],
    };

    /// <summary>A type name; anything else is kept as an impossible name, which Types() refuses by path.</summary>
    private static string TypeName(JsonNode? type) => type is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "?";

    /// <summary>Whether the schema has keywords other than annotations (and <paramref name="except"/>).</summary>
    private static bool HasConstraints(JsonElement schema, string? except = null) =>
        schema.EnumerateObject().Any(p => p.Name != except && !Annotations.Contains(p.Name));

    // Merging can nest a schema a little deeper than the request held it (properties in allOf).
    private static readonly JsonDocumentOptions Deep = new() { MaxDepth = 256 };

    private static JsonNode? Node(JsonElement value) => JsonNode.Parse(value.GetRawText(), documentOptions: Deep);

    private static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString(), Deep).RootElement;

    private static JsonElement Without(JsonElement schema, params string[] names)
    {
        var copy = new JsonObject();
        foreach (var property in schema.EnumerateObject())
            if (!names.Contains(property.Name))
                copy[property.Name] = Node(property.Value);
        return Element(copy);
    }

    private static HashSet<string> Names(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var list))
            return [];
        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
            throw Refuse(path, keyword, "must be an array of strings");
        return [.. list.EnumerateArray().Select(n => n.GetString()!)];
    }

    private static int? Count(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var d) || d < 0 || d != decimal.Floor(d))
            throw Refuse(path, keyword, "must be a non-negative integer");
        return d > int.MaxValue ? int.MaxValue : (int)d;
    }

    private static UnsupportedSchemaException Refuse(string path, string keyword, string why) =>
        new($"{path}.{keyword}", $"JSON schema keyword '{keyword}' (at {path}) {why}.");

    private string Define(string body)
    {
        _bodies.Add(body);
        return Name(_bodies.Count - 1);
    }

    private static string Name(int index) => "r" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A JSON value written compactly, as a GBNF string literal.</summary>
    private static string Literal(JsonElement value)
    {
        var json = JsonSerializer.Serialize(value, Compact);
        return "\"" + json.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Compares JSON values by their text (enum keys are written once each).</summary>
    private sealed class JsonElementText : IEqualityComparer<JsonElement>
    {
        public static readonly JsonElementText Instance = new();

        public bool Equals(JsonElement x, JsonElement y) => x.GetRawText() == y.GetRawText();

        public int GetHashCode(JsonElement value) => value.GetRawText().GetHashCode(StringComparison.Ordinal);
    }
}
