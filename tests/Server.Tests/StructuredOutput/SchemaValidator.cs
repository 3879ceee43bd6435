using Json.Schema;

namespace HiPO.Server.Tests.StructuredOutput;

/// <summary>Validates replies with JsonSchema.Net (an independent implementation, formats asserted), not with our own code.</summary>
public static class SchemaValidator
{
    /// <summary>Null when <paramref name="json"/> parses and validates against <paramref name="schema"/>; otherwise why not.</summary>
    public static string? Problem(JsonObject schema, string json)
    {
        JsonElement value;
        try
        {
            value = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            return $"not JSON ({e.Message}): {json}";
        }
        // Draft 2020-12 unless the schema names its draft; annotations such as OpenAPI's discriminator are allowed.
        var results = JsonSchema.FromText(StandardNullable(schema).ToJsonString(), new BuildOptions { Dialect = Dialect.Draft202012 })
            .Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (results.IsValid)
            return null;
        var errors = (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
        return $"invalid ({string.Join("; ", errors)}): {json}";
    }

    /// <summary>OpenAPI's <c>nullable: true</c> as standard JSON Schema (a "null" type), which the validator knows.</summary>
    private static JsonNode StandardNullable(JsonNode node)
    {
        var copy = node.DeepClone();
        Rewrite(copy);
        return copy;

        static void Rewrite(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    if (o["nullable"] is JsonValue v && v.GetValueKind() == JsonValueKind.True && o["type"] is JsonValue t)
                        o["type"] = new JsonArray(t.GetValue<string>(), "null");
                    foreach (var (_, child) in o.ToList())
                        Rewrite(child);
                    break;
                case JsonArray a:
                    foreach (var child in a)
                        Rewrite(child);
                    break;
            }
        }
    }
}
