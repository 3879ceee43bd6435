using System.Text;
using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using HiPO.Inference.Scheduling;
using HiPO.Inference.StructuredOutput;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>A validated chat request: what to generate and how to shape the response.</summary>
public sealed record ChatPlan(GenerationRequest Generation, bool Stream, bool IncludeUsage, bool IncludeReasoning, string ThinkModeSource, bool Logprobs, bool ToolsEnabled)
    : IGenerationPlan
{
    /// <summary>The answer is constrained to tool calls (tool_choice required or a named function).</summary>
    public bool ToolCallsOnly { get; init; }

    /// <summary>What the load-adaptive thinking policy did to the request; the reply says so in <c>think_mode_policy</c>.</summary>
    public PressureLevel AdaptiveAction { get; init; }

    public string? ThinkModePolicy => AdaptiveAction == PressureLevel.Normal ? null : AdaptiveThinkingWire.Load;

    /// <summary>
    /// Who decided the think mode, for the decision metrics and the log: the reply says <c>server</c> for every request the
    /// policy changed, but a capped request's mode is still the model's choice.
    /// </summary>
    public string DecisionSource => AdaptiveAction == PressureLevel.CapReasoning ? "model" : ThinkModeSource;
}

/// <summary>
/// Translates an OpenAI chat request into the engine's <see cref="GenerationRequest"/> at the edge, as Ollama does,
/// validating every field so that a bad value is refused with a 400 naming it instead of reaching the engine.
/// </summary>
public sealed class ChatRequestMapper(HipoEngine engine, ChoicesRequestMapper shared)
{
    public const int MaxTopLogprobs = 20;

    /// <remarks>Strings inside <see cref="JsonElement"/> fields are valid UTF-8 here: <see cref="JsonBody"/> decoded them all.</remarks>
    public ChatPlan Map(ChatCompletionRequest request)
    {
        shared.CheckModel(request.Model);
        var turns = MapMessages(request.Messages);
        var asked = ThinkModeResolver.Resolve(request);
        var mode = asked ?? ThinkModeResolver.Parse(engine.Reasoning.DefaultMode);
        var source = mode == ThinkModeRequest.Auto ? "model" : asked is null ? "server" : "request";
        var optedOut = AdaptiveThinkingWire.OptsOut(request.ThinkModePolicy);

        var n = shared.Choices(request, request.TopLogprobs, MaxTopLogprobs, "top_logprobs");
        if (request.MaxReasoningTokens is < 1)
            throw ApiException.Invalid($"max_reasoning_tokens must be at least 1, got {request.MaxReasoningTokens}.", "max_reasoning_tokens");
        if (request.TopLogprobs is not null && request.Logprobs != true)
            throw ApiException.Invalid("top_logprobs requires logprobs to be true.", "top_logprobs");
        var tools = ToolsMapper.Map(request.Tools, request.ToolChoice, request.ParallelToolCalls);
        var format = MapResponseFormat(request.ResponseFormat);
        if (tools.Grammar is not null && format is not null)
            throw ApiException.Invalid("response_format cannot be combined with tool_choice 'required' or a named function.", "response_format");

        var load = engine.Adaptive.Decide(mode, request.MaxReasoningTokens, engine.Reasoning.DefaultMaxReasoningTokens, optedOut);
        var generation = new GenerationRequest
        {
            Prompt = engine.Renderer.Render(turns, load.Mode, tools.Definitions),
            Sampling = shared.Sampling(request),
            MaxTokens = MapMaxTokens(request),
            Stop = SamplingMapper.Stop(request.Stop),
            MaxReasoningTokens = load.MaxReasoningTokens,
            Choices = n,
            TopLogprobs = request.Logprobs == true ? request.TopLogprobs ?? 0 : null,
            AnswerGrammar = tools.Grammar ?? format,
        };
        return new ChatPlan(generation, request.Stream == true, request.StreamOptions?.IncludeUsage == true,
            request.IncludeReasoning != false, load.Changed ? "server" : source, request.Logprobs == true, tools.Enabled)
        {
            ToolCallsOnly = tools.Grammar is not null,
            AdaptiveAction = load.Action,
        };
    }

    private static List<ChatTurn> MapMessages(List<ChatMessageInput>? messages)
    {
        if (messages is null)
            throw ApiException.Invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        if (messages.Count == 0)
            throw ApiException.Invalid("'messages' must contain at least one message.", "messages", "empty_array");
        var turns = new List<ChatTurn>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw ApiException.Invalid($"messages[{i}] must be an object.", $"messages[{i}]", "invalid_type");
            var role = message.Role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                null => throw ApiException.Invalid($"Missing required parameter: 'messages[{i}].role'.", $"messages[{i}].role", "missing_required_parameter"),
                var other => throw ApiException.Invalid(
                    $"Invalid value: '{other}'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.", $"messages[{i}].role"),
            };
            var content = ContentText(message.Content, $"messages[{i}].content", allowNull: role == ChatRole.Assistant);
            if (role != ChatRole.Assistant && message.ToolCalls is { ValueKind: not JsonValueKind.Null })
                throw ApiException.Invalid($"messages[{i}].tool_calls is only allowed on assistant messages.", $"messages[{i}].tool_calls");
            if (role == ChatRole.Tool && string.IsNullOrEmpty(message.ToolCallId))
                throw ApiException.Invalid($"Missing required parameter: 'messages[{i}].tool_call_id'.", $"messages[{i}].tool_call_id", "missing_required_parameter");
            var calls = role == ChatRole.Assistant ? ToolsMapper.HistoryCalls(message.ToolCalls, $"messages[{i}].tool_calls") : [];
            turns.Add(new ChatTurn(role, content) { ToolCalls = calls });
        }
        return turns;
    }

    private static string ContentText(JsonElement? content, string param, bool allowNull)
    {
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                return content.Value.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var index = 0;
                foreach (var part in content.Value.EnumerateArray())
                {
                    var at = $"{param}[{index++}]";
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                        throw ApiException.Invalid($"{at} must be an object with a 'type'.", at, "invalid_type");
                    if (type.GetString() != "text")
                        throw ApiException.Invalid($"Unsupported content part type '{type.GetString()}' in {at}: this model accepts text only.", $"{at}.type", "unsupported_content_type");
                    if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                        throw ApiException.Invalid($"{at}.text must be a string.", $"{at}.text", "invalid_type");
                    text.Append(partText.GetString());
                }
                return text.ToString();
            case null or JsonValueKind.Null when allowNull:
                return "";
            case null or JsonValueKind.Null:
                throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");
            default:
                throw ApiException.Invalid($"{param} must be a string or an array of text parts.", param, "invalid_type");
        }
    }

    private static int? MapMaxTokens(ChatCompletionRequest request)
    {
        if (request.MaxTokens is { } a && request.MaxCompletionTokens is { } b && a != b)
            throw ApiException.Invalid("max_tokens and max_completion_tokens disagree; send only max_completion_tokens.", "max_tokens");
        return SamplingMapper.MaxTokens(request.MaxCompletionTokens ?? request.MaxTokens, request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens");
    }

    /// <summary>Structured output becomes a grammar on the answer block; the judge and the reasoning stay free text.</summary>
    private static string? MapResponseFormat(JsonElement? format)
    {
        if (format is null || format.Value.ValueKind == JsonValueKind.Null)
            return null;
        if (format.Value.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("response_format must be an object with a 'type'.", "response_format", "invalid_type");
        if (!format.Value.TryGetProperty("type", out var type) || type.ValueKind == JsonValueKind.Null)
            throw ApiException.Invalid("Missing required parameter: 'response_format.type'.", "response_format.type", "missing_required_parameter");
        if (type.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid("Invalid type for 'response_format.type': expected a string.", "response_format.type", "invalid_type");
        switch (type.GetString())
        {
            case "text":
                return null;
            case "json_object":
                return JsonSchemaGrammar.AnyObject();
            case "json_schema":
                var schema = JsonSchemaSpec(format.Value);
                const string param = "response_format.json_schema.schema";
                JsonSchemaShape.Check(schema, param);
                try
                {
                    return JsonSchemaGrammar.FromSchema(schema);
                }
                catch (UnsupportedSchemaException e)
                {
                    throw ApiException.Invalid(e.Message + " See the README for the supported subset.", param, "unsupported_schema");
                }
            case var other:
                throw ApiException.Invalid($"Invalid response_format type '{other}'. Supported values are: 'text', 'json_object' and 'json_schema'.", "response_format.type");
        }
    }

    /// <summary>The schema of a <c>json_schema</c> response format, after checking the fields around it as OpenAI does.</summary>
    private static JsonElement JsonSchemaSpec(JsonElement format)
    {
        const string at = "response_format.json_schema";
        if (!format.TryGetProperty("json_schema", out var spec) || spec.ValueKind == JsonValueKind.Null)
            throw ApiException.Invalid($"Missing required parameter: '{at}'.", at, "missing_required_parameter");
        if (spec.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid($"Invalid type for '{at}': expected an object.", at, "invalid_type");
        if (!spec.TryGetProperty("name", out var name) || name.ValueKind == JsonValueKind.Null)
            throw ApiException.Invalid($"Missing required parameter: '{at}.name'.", $"{at}.name", "missing_required_parameter");
        if (name.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid($"Invalid type for '{at}.name': expected a string.", $"{at}.name", "invalid_type");
        if (!ToolsMapper.IsValidName(name.GetString()!))
            throw ApiException.Invalid($"{at}.name must be 1 to 64 letters, digits, underscores or dashes.", $"{at}.name");
        if (spec.TryGetProperty("description", out var description) && description.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            throw ApiException.Invalid($"Invalid type for '{at}.description': expected a string.", $"{at}.description", "invalid_type");
        if (spec.TryGetProperty("strict", out var strict) && strict.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            throw ApiException.Invalid($"Invalid type for '{at}.strict': expected a boolean.", $"{at}.strict", "invalid_type");
        if (!spec.TryGetProperty("schema", out var schema) || schema.ValueKind == JsonValueKind.Null)
            throw ApiException.Invalid($"Missing required parameter: '{at}.schema'.", $"{at}.schema", "missing_required_parameter");
        if (schema.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid($"Invalid type for '{at}.schema': expected a JSON schema object.", $"{at}.schema", "invalid_type");
        return schema;
    }
}
