using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>
/// Checks that every JSON-Schema keyword in a client's schema holds the JSON type the keyword is defined with
/// (<c>"required"</c> a list of strings, <c>"minItems"</c> a non-negative integer, <c>"properties"</c> an object of schemas, ...),
/// at every depth, before the grammar compiler reads it. Whether a keyword is supported is the compiler's call; this only
/// makes sure that a wrong shape is refused with a 400 naming its path instead of being ignored or failing the request.
/// </summary>
public static class JsonSchemaShape
{
    /// <summary>
    /// Most properties in one object schema, and in a whole schema. The grammar for N optional properties grows with N²,
    /// and llama.cpp's time to build and apply it faster still (3000 optional properties took minutes and gigabytes), so
    /// one small request could otherwise stall the server; these bounds keep any schema's grammar cheap.
    /// </summary>
    public const int MaxObjectProperties = 256;

    public const int MaxSchemaProperties = 1000;

    private enum Shape { Schema, SchemaList, SchemaMap, SchemaOrList, Count, Number, NumberOrBoolean, PositiveNumber, Text, Boolean, List, TextList, TextListMap }

    /// <summary>Each keyword's shape; <c>type</c> (a name or a list of names) is checked on its own, and unknown keywords are the compiler's to judge.</summary>
    private static readonly Dictionary<string, Shape> Keywords = new()
    {
        ["properties"] = Shape.SchemaMap,
        ["patternProperties"] = Shape.SchemaMap,
        ["$defs"] = Shape.SchemaMap,
        ["definitions"] = Shape.SchemaMap,
        ["dependentSchemas"] = Shape.SchemaMap,
        ["additionalProperties"] = Shape.Schema,
        ["unevaluatedProperties"] = Shape.Schema,
        ["propertyNames"] = Shape.Schema,
        ["additionalItems"] = Shape.Schema,
        ["unevaluatedItems"] = Shape.Schema,
        ["contains"] = Shape.Schema,
        ["not"] = Shape.Schema,
        ["if"] = Shape.Schema,
        ["then"] = Shape.Schema,
        ["else"] = Shape.Schema,
        ["items"] = Shape.SchemaOrList,
        ["prefixItems"] = Shape.SchemaList,
        ["anyOf"] = Shape.SchemaList,
        ["oneOf"] = Shape.SchemaList,
        ["allOf"] = Shape.SchemaList,
        ["required"] = Shape.TextList,
        ["dependentRequired"] = Shape.TextListMap,
        ["enum"] = Shape.List,
        ["examples"] = Shape.List,
        ["minItems"] = Shape.Count,
        ["maxItems"] = Shape.Count,
        ["minLength"] = Shape.Count,
        ["maxLength"] = Shape.Count,
        ["minProperties"] = Shape.Count,
        ["maxProperties"] = Shape.Count,
        ["minContains"] = Shape.Count,
        ["maxContains"] = Shape.Count,
        ["minimum"] = Shape.Number,
        ["maximum"] = Shape.Number,
        ["exclusiveMinimum"] = Shape.NumberOrBoolean, // a boolean in draft 4, a number since
        ["exclusiveMaximum"] = Shape.NumberOrBoolean,
        ["multipleOf"] = Shape.PositiveNumber,
        ["pattern"] = Shape.Text,
        ["format"] = Shape.Text,
        ["$ref"] = Shape.Text,
        ["$id"] = Shape.Text,
        ["$schema"] = Shape.Text,
        ["$anchor"] = Shape.Text,
        ["$comment"] = Shape.Text,
        ["title"] = Shape.Text,
        ["description"] = Shape.Text,
        ["contentEncoding"] = Shape.Text,
        ["contentMediaType"] = Shape.Text,
        ["uniqueItems"] = Shape.Boolean,
        ["nullable"] = Shape.Boolean,
        ["deprecated"] = Shape.Boolean,
        ["readOnly"] = Shape.Boolean,
        ["writeOnly"] = Shape.Boolean,
        ["strict"] = Shape.Boolean,
    };

    /// <summary>Throws a 400 whose param is <paramref name="param"/> plus the path of the first keyword of the wrong shape.</summary>
    public static void Check(JsonElement schema, string param) => Check(schema, param, new Budget());

    /// <summary>Properties counted so far; one budget shared by several schemas (a request's tools) bounds them together.</summary>
    public sealed class Budget
    {
        public int Properties { get; set; }
    }

    /// <inheritdoc cref="Check(JsonElement, string)"/>
    public static void Check(JsonElement schema, string param, Budget budget)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return;
        if (schema.ValueKind != JsonValueKind.Object)
            throw Wrong(param, "a JSON schema (an object or a boolean)");
        foreach (var keyword in schema.EnumerateObject())
        {
            var at = $"{param}.{keyword.Name}";
            var value = keyword.Value;
            if (keyword.Name == "type")
                CheckType(value, at);
            else if (Keywords.TryGetValue(keyword.Name, out var shape))
                CheckValue(value, shape, at, budget);
        }
        if (schema.TryGetProperty("properties", out var properties))
        {
            var count = properties.EnumerateObject().Count();
            if (count > MaxObjectProperties)
                throw ApiException.Invalid($"{param}.properties has {count} properties; this server supports up to {MaxObjectProperties} per object.", $"{param}.properties", "unsupported_schema");
            budget.Properties += count;
            if (budget.Properties > MaxSchemaProperties)
                throw ApiException.Invalid($"The schemas of this request have more than {MaxSchemaProperties} properties in all; this server supports up to {MaxSchemaProperties}.", $"{param}.properties", "unsupported_schema");
        }
        CheckOrder(schema, "minItems", "maxItems", param);
        CheckOrder(schema, "minLength", "maxLength", param);
        CheckOrder(schema, "minProperties", "maxProperties", param);
    }

    private static void CheckType(JsonElement value, string at)
    {
        if (value.ValueKind == JsonValueKind.String)
            return;
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            throw Wrong(at, "a type name or a non-empty list of type names");
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Wrong($"{at}[{index}]", "a type name (a string)");
            index++;
        }
    }

    private static void CheckValue(JsonElement value, Shape shape, string at, Budget budget)
    {
        switch (shape)
        {
            case Shape.Schema:
                Check(value, at, budget);
                break;
            case Shape.SchemaOrList when value.ValueKind == JsonValueKind.Array:
            case Shape.SchemaList:
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
                    throw Wrong(at, "a non-empty list of schemas");
                var index = 0;
                foreach (var item in value.EnumerateArray())
                    Check(item, $"{at}[{index++}]", budget);
                break;
            case Shape.SchemaOrList:
                Check(value, at, budget);
                break;
            case Shape.SchemaMap:
                if (value.ValueKind != JsonValueKind.Object)
                    throw Wrong(at, "an object of named schemas");
                foreach (var member in value.EnumerateObject())
                    Check(member.Value, $"{at}.{member.Name}", budget);
                break;
            case Shape.TextListMap:
                if (value.ValueKind != JsonValueKind.Object)
                    throw Wrong(at, "an object of lists of property names");
                foreach (var member in value.EnumerateObject())
                    CheckValue(member.Value, Shape.TextList, $"{at}.{member.Name}", budget);
                break;
            case Shape.TextList:
                if (value.ValueKind != JsonValueKind.Array)
                    throw Wrong(at, "a list of property names");
                var position = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                        throw Wrong($"{at}[{position}]", "a property name (a string)");
                    position++;
                }
                break;
            case Shape.List when value.ValueKind != JsonValueKind.Array:
                throw Wrong(at, "a list");
            case Shape.Count:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count))
                    throw Wrong(at, "a non-negative integer");
                if (count < 0)
                    throw ApiException.Invalid($"{at} must be a non-negative integer, got {count}.", at);
                break;
            case Shape.Number when value.ValueKind != JsonValueKind.Number:
                throw Wrong(at, "a number");
            case Shape.NumberOrBoolean when value.ValueKind is not (JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False):
                throw Wrong(at, "a number");
            case Shape.PositiveNumber:
                if (value.ValueKind != JsonValueKind.Number)
                    throw Wrong(at, "a number");
                if (!value.TryGetDouble(out var number) || number <= 0)
                    throw ApiException.Invalid($"{at} must be greater than 0.", at);
                break;
            case Shape.Text when value.ValueKind != JsonValueKind.String:
                throw Wrong(at, "a string");
            case Shape.Boolean when value.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
                throw Wrong(at, "a boolean");
        }
    }

    private static void CheckOrder(JsonElement schema, string minimum, string maximum, string param)
    {
        if (schema.TryGetProperty(minimum, out var low) && schema.TryGetProperty(maximum, out var high) && low.GetInt64() > high.GetInt64())
            throw ApiException.Invalid($"{param}.{minimum} ({low.GetInt64()}) is greater than {maximum} ({high.GetInt64()}).", $"{param}.{minimum}");
    }

    private static ApiException Wrong(string at, string expected) =>
        ApiException.Invalid($"Invalid type for '{at}': expected {expected}.", at, "invalid_type");
}
