using System.Text.Json;
using System.Text.RegularExpressions;
using HiPO.Inference.StructuredOutput;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>What a request's <c>tools</c> and <c>tool_choice</c> mean for the prompt, the sampler and the response.</summary>
/// <param name="Definitions">Function definitions to offer in the system turn (none when tool_choice is none).</param>
/// <param name="Grammar">For required or named tool choice: a grammar that makes the answer tool calls only.</param>
/// <param name="Enabled">Whether tool calls are read out of the answer.</param>
public sealed record ToolPlan(IReadOnlyList<string> Definitions, string? Grammar, bool Enabled)
{
    public static readonly ToolPlan None = new([], null, false);
}

/// <summary>Validates OpenAI function tools and maps them to Qwen-style tool use (see the README for the format).</summary>
public static partial class ToolsMapper
{
    /// <summary>OpenAI's limit on the functions of one request.</summary>
    public const int MaxTools = 128;

    public static ToolPlan Map(JsonElement? tools, JsonElement? toolChoice, bool? parallel)
    {
        var functions = Functions(tools);
        var choice = toolChoice is null or { ValueKind: JsonValueKind.Null } ? (functions.Count > 0 ? "auto" : "none") : Choice(toolChoice.Value, functions);
        if (functions.Count == 0)
        {
            if (choice != "none")
                throw ApiException.Invalid("tool_choice is only allowed when tools are specified.", "tool_choice");
            return ToolPlan.None;
        }
        if (choice == "none")
            return ToolPlan.None;
        var definitions = functions.Select(f => f.Definition).ToList();
        if (choice == "auto")
            return new ToolPlan(definitions, null, true);
        var allowed = choice == "required" ? functions : [.. functions.Where(f => f.Name == choice)];
        try
        {
            var grammar = JsonSchemaGrammar.ForToolCalls([.. allowed.Select(f => (f.Name, f.Parameters, f.Param))], parallel != false);
            return new ToolPlan(definitions, grammar, true);
        }
        catch (UnsupportedSchemaException e)
        {
            // Only a grammar needs the schema inside the supported subset; the message names the keyword and its path.
            var function = allowed.First(f => e.Path.StartsWith(f.Param, StringComparison.Ordinal));
            throw ApiException.Invalid(e.Message + " See the README for the supported subset.", function.Param, "unsupported_schema");
        }
    }

    /// <summary>An earlier assistant turn's tool calls, as the model writes them: <c>{"name": ..., "arguments": {...}}</c>.</summary>
    public static IReadOnlyList<string> HistoryCalls(JsonElement? toolCalls, string param)
    {
        if (toolCalls is null or { ValueKind: JsonValueKind.Null })
            return [];
        if (toolCalls.Value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid($"{param} must be an array.", param, "invalid_type");
        var calls = new List<string>();
        var index = 0;
        foreach (var call in toolCalls.Value.EnumerateArray())
        {
            var at = $"{param}[{index++}]";
            if (call.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"{at} must be a tool call object.", at, "invalid_type");
            OptionalString(call, "id", at);
            if (OptionalString(call, "type", at) is { } type && type != "function")
                throw ApiException.Invalid($"{at}.type must be 'function', got '{type}'.", $"{at}.type");
            if (!call.TryGetProperty("function", out var function) || function.ValueKind == JsonValueKind.Null)
                throw ApiException.Invalid($"Missing required parameter: '{at}.function'.", $"{at}.function", "missing_required_parameter");
            if (function.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"{at}.function must be an object.", $"{at}.function", "invalid_type");
            RequiredString(function, "name", $"{at}.function");
            var arguments = RequiredString(function, "arguments", $"{at}.function");
            JsonElement parsed;
            try
            {
                parsed = JsonDocument.Parse(arguments).RootElement;
            }
            catch (JsonException)
            {
                throw ApiException.Invalid($"{at}.function.arguments must be a JSON object text.", $"{at}.function.arguments");
            }
            calls.Add(JsonSerializer.Serialize(new Dictionary<string, JsonElement> { ["name"] = function.GetProperty("name"), ["arguments"] = parsed }));
        }
        return calls;
    }

    /// <param name="Param">Where the parameters are in the request (<c>tools[i].function.parameters</c>).</param>
    private sealed record Function(string Name, JsonElement? Parameters, string Param, string Definition);

    private static List<Function> Functions(JsonElement? tools)
    {
        if (tools is null or { ValueKind: JsonValueKind.Null })
            return [];
        if (tools.Value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("tools must be an array of function tools.", "tools", "invalid_type");
        if (tools.Value.GetArrayLength() > MaxTools)
            throw ApiException.Invalid($"tools may hold at most {MaxTools} functions, got {tools.Value.GetArrayLength()}.", "tools", "array_above_max_length");
        var functions = new List<Function>();
        var schemas = new JsonSchemaShape.Budget();
        var index = 0;
        foreach (var tool in tools.Value.EnumerateArray())
        {
            var at = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"{at} must be a tool object.", at, "invalid_type");
            if (RequiredString(tool, "type", at) != "function")
                throw ApiException.Invalid($"{at}.type must be 'function', the only tool type this server supports.", $"{at}.type");
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind == JsonValueKind.Null)
                throw ApiException.Invalid($"Missing required parameter: '{at}.function'.", $"{at}.function", "missing_required_parameter");
            if (function.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"{at}.function must be an object.", $"{at}.function", "invalid_type");
            var name = RequiredString(function, "name", $"{at}.function");
            OptionalString(function, "description", $"{at}.function");
            if (function.TryGetProperty("strict", out var strict) && strict.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                throw ApiException.Invalid($"Invalid type for '{at}.function.strict': expected a boolean.", $"{at}.function.strict", "invalid_type");
            if (!IsValidName(name))
                throw ApiException.Invalid($"{at}.function.name must be 1 to 64 letters, digits, underscores or dashes.", $"{at}.function.name");
            if (functions.Any(f => f.Name == name))
                throw ApiException.Invalid($"Duplicate function name '{name}' in tools.", $"{at}.function.name");
            JsonElement? parameters = null;
            if (function.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind != JsonValueKind.Object)
                    throw ApiException.Invalid($"{at}.function.parameters must be a JSON schema object.", $"{at}.function.parameters", "invalid_type");
                parameters = p;
                JsonSchemaShape.Check(p, $"{at}.function.parameters", schemas);
            }
            // Any JSON Schema is accepted here: under tool_choice auto it is only shown to the model, as OpenAI and vLLM do.
            functions.Add(new Function(name, parameters, $"{at}.function.parameters", JsonSerializer.Serialize(tool)));
        }
        return functions;
    }

    private static string Choice(JsonElement choice, List<Function> functions)
    {
        if (choice.ValueKind == JsonValueKind.String)
            return choice.GetString() is "none" or "auto" or "required"
                ? choice.GetString()!
                : throw ApiException.Invalid($"Invalid tool_choice '{choice.GetString()}'. Supported values are: 'none', 'auto', 'required' or a named function.", "tool_choice");
        if (choice.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("tool_choice must be 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice", "invalid_type");
        if (RequiredString(choice, "type", "tool_choice") != "function")
            throw ApiException.Invalid("tool_choice.type must be 'function'.", "tool_choice.type");
        if (!choice.TryGetProperty("function", out var function) || function.ValueKind == JsonValueKind.Null)
            throw ApiException.Invalid("Missing required parameter: 'tool_choice.function'.", "tool_choice.function", "missing_required_parameter");
        if (function.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("tool_choice.function must be an object.", "tool_choice.function", "invalid_type");
        var name = RequiredString(function, "name", "tool_choice.function");
        return functions.Any(f => f.Name == name)
            ? name
            : throw ApiException.Invalid($"tool_choice names function '{name}', which is not in tools.", "tool_choice.function.name");
    }

    /// <summary>A string member that must be there: a 400 naming <c>at.name</c> when it is missing or not a string.</summary>
    private static string RequiredString(JsonElement parent, string name, string at) =>
        OptionalString(parent, name, at) ?? throw ApiException.Invalid($"Missing required parameter: '{at}.{name}'.", $"{at}.{name}", "missing_required_parameter");

    /// <summary>A string member that may be absent or null, but is refused when it has another type.</summary>
    private static string? OptionalString(JsonElement parent, string name, string at)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw ApiException.Invalid($"Invalid type for '{at}.{name}': expected a string.", $"{at}.{name}", "invalid_type");
    }

    /// <summary>OpenAI's rule for function and response-format names: 1 to 64 letters, digits, underscores or dashes.</summary>
    public static bool IsValidName(string name) => FunctionName().IsMatch(name);

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}
